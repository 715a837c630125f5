package cdh

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/keyprovider"
)

// shutdownTimeout bounds how long in-flight calls may finish after a stop.
const shutdownTimeout = 10 * time.Second

// Register puts all five CDH services on srv, as upstream serves them on
// one socket.
func Register(srv *ttrpc.Server, s *Service) {
	cdhapi.RegisterSealedSecretServiceService(srv, s)
	cdhapi.RegisterGetResourceServiceService(srv, s)
	cdhapi.RegisterSecureMountServiceService(srv, s)
	cdhapi.RegisterImagePullServiceService(srv, s)
	keyprovider.RegisterKeyProviderServiceService(srv, s)
}

// Listen creates the socket of a unix:// address: its directory is made
// and a stale socket from an earlier run is removed, as upstream does.
func Listen(addr string) (net.Listener, error) {
	path, err := SocketPath(addr)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return l, nil
}

// Serve answers on l until ctx is done, then lets calls in flight finish
// for up to shutdownTimeout.
func Serve(ctx context.Context, l net.Listener, s *Service) error {
	srv, err := ttrpc.NewServer()
	if err != nil {
		return err
	}
	Register(srv, s)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, ttrpc.ErrServerClosed) {
		return err
	}
	return nil
}
