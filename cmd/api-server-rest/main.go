// Command api-server-rest is the guest's REST API for workloads: it
// answers plain HTTP on 127.0.0.1:8006 by calling the attestation-agent
// and the confidential-data-hub over ttRPC. Its flags, routes and answers
// are upstream guest-components' api-server-rest's, so kata-agent starts
// it unchanged ("api-server-rest --features <resource|attestation|all>").
package main

import (
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

func main() {
	ctx, stop := startup.Begin()
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr, os.Getenv).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
