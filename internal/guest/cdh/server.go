package cdh

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// Register puts all five CDH services on srv, as upstream serves them on
// one socket.
func Register(srv *ttrpc.Server, s *Service) {
	cdhapi.RegisterSealedSecretServiceService(srv, s)
	cdhapi.RegisterGetResourceServiceService(srv, s)
	cdhapi.RegisterSecureMountServiceService(srv, s)
	cdhapi.RegisterImagePullServiceService(srv, s)
	registerKeyProvider(srv, s)
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
// for up to startup.ShutdownGrace.
func Serve(ctx context.Context, l net.Listener, s *Service) error {
	return startup.ServeTTRPC(ctx, l, func(srv *ttrpc.Server) { Register(srv, s) })
}
