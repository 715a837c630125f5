// Command confidential-data-hub is Cocoon's Confidential Data Hub, a
// drop-in replacement for guest-components' ttRPC CDH: kata-agent starts it
// as "confidential-data-hub -c cdh.toml" and calls it on
// unix:///run/confidential-containers/cdh.sock.
package main

import (
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

func main() {
	ctx, stop := startup.Begin()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
