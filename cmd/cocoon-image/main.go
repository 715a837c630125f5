// Command cocoon-image is the tenant's image tool for Confidential
// Containers: copy (skopeo copy with key-provider encryption and sigstore
// or GPG signing), generate-sigstore-key, and pull (the guest's pull run
// outside a guest, for debugging images and policies).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}
