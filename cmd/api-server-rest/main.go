// Command api-server-rest is the guest's REST API for workloads: it
// answers plain HTTP on 127.0.0.1:8006 by calling the attestation-agent
// and the confidential-data-hub over ttRPC. Its flags, routes and answers
// are upstream guest-components' api-server-rest's, so kata-agent starts
// it unchanged ("api-server-rest --features <resource|attestation|all>").
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
	if err := newRootCommand(os.Stdout, os.Stderr, os.Getenv).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
