// Command confidential-data-hub is Cocoon's Confidential Data Hub, a
// drop-in replacement for guest-components' ttRPC CDH: kata-agent starts it
// as "confidential-data-hub -c cdh.toml" and calls it on
// unix:///run/confidential-containers/cdh.sock.
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
