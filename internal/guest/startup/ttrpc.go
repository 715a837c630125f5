package startup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/containerd/ttrpc"
)

// ShutdownGrace bounds how long calls in flight may finish at shutdown.
const ShutdownGrace = 10 * time.Second

// ServeTTRPC serves the services register puts on a new ttRPC server on l
// until ctx ends, then lets calls in flight finish for up to
// ShutdownGrace. It returns early with the server's error if serving
// fails.
func ServeTTRPC(ctx context.Context, l net.Listener, register func(*ttrpc.Server)) error {
	srv, err := ttrpc.NewServer()
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("ttrpc server: %w", err)
	}
	register(srv)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("ttrpc shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, ttrpc.ErrServerClosed) {
		return err
	}
	return nil
}
