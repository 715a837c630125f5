// Command coco-keyprovider is the tenant's ocicrypt key provider for
// Confidential Containers images: it serves
// keyprovider.KeyProviderService/WrapKey over gRPC to skopeo (>= 1.10),
// cocoon-image or any ocicrypt >= 1.1 tool, wraps each layer key with a
// KEK and registers the KEK in Trustee. Its flags are upstream
// guest-components' coco_keyprovider's; see internal/keyprovider for the
// protocol and the upstream bugs it fixes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
