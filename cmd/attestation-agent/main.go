// Command attestation-agent is the guest's attestation agent: it serves
// attestation_agent.AttestationAgentService over ttRPC on a unix socket
// (and optionally gRPC on TCP) to kata-agent, the confidential-data-hub and
// api-server-rest. Its flags are upstream guest-components' ttrpc-aa's, so
// kata-agent starts it unchanged.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

func main() {
	startup.SetMemoryLimit(os.Getenv)
	// SIGINT and SIGHUP stop upstream's agent; SIGTERM is what init
	// systems send.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
