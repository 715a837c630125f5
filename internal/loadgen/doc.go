// Package loadgen drives full KBS flows (auth → attest → resource GET)
// with the sample attester from simulated guests over HTTP, and reports
// flows per second and latency percentiles per concurrency level next to
// the cryptographic floor of one flow measured in the same run. Both
// kbs-load (against any running KBS) and `trustee bench` (against a server
// in the same process) use it.
package loadgen
