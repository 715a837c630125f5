// Command cocoon-guest runs the guest's attestation-agent,
// confidential-data-hub and api-server-rest in one process, to save guest
// memory: one Go runtime and one copy of the shared code instead of three
// (docs/guest.md has the measurements). It serves the same ttRPC sockets
// and HTTP port as the three upstream-named commands, so kata-agent and
// workloads see no difference; only the command line differs.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT says otherwise. The live heap is well under 1 MiB, so the
// default heap goal (at least 4 MiB of garbage) is waste in a guest: with
// this limit the collector runs sooner and returns memory to the guest
// (measured in docs/guest.md: about 3 MiB less RSS per process).
const defaultMemoryLimit = 8 << 20

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr, os.LookupEnv).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
