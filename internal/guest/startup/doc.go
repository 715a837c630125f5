// Package startup is what every guest command (attestation-agent,
// confidential-data-hub, api-server-rest, cocoon-guest) does the same way:
// the Go runtime's soft memory limit and the stop signals (Begin), the log
// level from [log] level or RUST_LOG (NewLogger), and serving a ttRPC
// server until shutdown (ServeTTRPC).
//
// It is kept small on purpose: every guest binary links it.
package startup
