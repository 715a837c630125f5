package restapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Server limits. Upstream sets none; these only stop a stuck or slow
// client from holding a connection for ever.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
)

// DefaultBind is upstream's --bind default.
const DefaultBind = "127.0.0.1:8006"

// ErrBind is returned for a --bind that is not an IP:port.
var ErrBind = errors.New("bind address")

// Listen listens on an IP:port, the only form upstream's --bind accepts
// (no host names).
func Listen(bind string) (net.Listener, error) {
	ap, err := netip.ParseAddrPort(bind)
	if err != nil {
		return nil, fmt.Errorf("%w %q: want IP:port: %w", ErrBind, bind, err)
	}
	l, err := net.Listen("tcp", ap.String())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBind, err)
	}
	return l, nil
}

// Serve answers HTTP on l with h until ctx ends, then lets requests in
// flight finish for up to shutdownTimeout.
func Serve(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
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
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
