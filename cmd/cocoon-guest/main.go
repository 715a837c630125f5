// Command cocoon-guest runs the guest's attestation-agent,
// confidential-data-hub and api-server-rest in one process, to save guest
// memory: one Go runtime and one copy of the shared code instead of three
// (docs/guest.md has the measurements). It serves the same ttRPC sockets
// and HTTP port as the three upstream-named commands, so kata-agent and
// workloads see no difference; only the command line differs.
package main

import (
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

func main() {
	ctx, stop := startup.Begin()
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr, os.LookupEnv).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
