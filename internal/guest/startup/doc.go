// Package startup is what every guest command (attestation-agent,
// confidential-data-hub, api-server-rest, cocoon-guest) does the same way
// before it serves: the Go runtime's soft memory limit, the log level from
// [log] level or RUST_LOG, and serving a ttRPC server until shutdown.
//
// It is kept small on purpose: every guest binary links it.
package startup
