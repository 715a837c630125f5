// Command attestation-agent is the guest's attestation agent: it serves
// attestation_agent.AttestationAgentService over ttRPC on a unix socket
// (and optionally gRPC on TCP) to kata-agent, the confidential-data-hub and
// api-server-rest. Its flags are upstream guest-components' ttrpc-aa's, so
// kata-agent starts it unchanged.
package main

import (
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

func main() {
	ctx, stop := startup.Begin()
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
