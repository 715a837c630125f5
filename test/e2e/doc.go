// Package e2e holds end-to-end tests that build the real trustee,
// kbs-client and kbs-load binaries and drive them over loopback, as an
// operator and a guest would: configuration files on disk, processes
// started and stopped with signals, results read from exit codes, stdout
// and stderr. The package has no code of its own outside its tests.
package e2e
