package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// HTTP server timeouts: generous for large TDX evidence on slow links,
// bounded so idle or stalled clients cannot pin connections forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 30 * time.Second
)

// ListeningMessage is the log message that names each URL Serve answers
// on (attribute "url"), for tools that start the server on port 0.
const ListeningMessage = "KBS listening"

// Listeners are the bound sockets of http_server, TLS already applied.
type Listeners struct {
	lns    []net.Listener
	scheme string
}

// URLs are the base URLs the server answers on, with the ports the
// system chose for sockets configured with port 0.
func (l *Listeners) URLs() []string {
	urls := make([]string, len(l.lns))
	for i, ln := range l.lns {
		urls[i] = l.scheme + "://" + ln.Addr().String()
	}
	return urls
}

// Close releases the sockets; Serve does it itself when it ends.
func (l *Listeners) Close() error {
	var errs []error
	for _, ln := range l.lns {
		errs = append(errs, ln.Close())
	}
	return errors.Join(errs...)
}

// Listen binds every http_server socket, so that a busy port fails
// start-up before anything is served.
func (a *App) Listen() (*Listeners, error) {
	tlsConfig, err := serverTLS(a.cfg)
	if err != nil {
		return nil, err
	}
	l := &Listeners{scheme: "https"}
	if tlsConfig == nil {
		l.scheme = "http"
	}
	for _, addr := range a.cfg.Sockets {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			_ = l.Close()
			return nil, fmt.Errorf("http_server.sockets: %w", err)
		}
		if tlsConfig != nil {
			ln = tls.NewListener(ln, tlsConfig)
		}
		l.lns = append(l.lns, ln)
	}
	return l, nil
}

// Serve serves on l, and sweeps expired sessions, until ctx ends; then it
// drains in-flight requests for up to 30 s.
func (a *App) Serve(ctx context.Context, l *Listeners) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	sweepCtx, stopSweeper := context.WithCancel(ctx)
	defer stopSweeper()
	go a.sessions.RunSweeper(sweepCtx)

	served := make(chan error, len(l.lns))
	for i, ln := range l.lns {
		a.logger.Info(ListeningMessage, slog.String("url", l.URLs()[i]))
		go func() { served <- srv.Serve(ln) }()
	}
	select {
	case err := <-served:
		_ = srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("shutting down: draining in-flight requests", slog.Duration("timeout", shutdownTimeout))
	drainCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	for range l.lns {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	a.logger.Info("stopped")
	return nil
}

// serverTLS is nil for plain HTTP (insecure_http), else the configured
// TLS profile with the server's certificate chain.
func serverTLS(hc config.HTTPServer) (*tls.Config, error) {
	if hc.InsecureHTTP {
		return nil, nil
	}
	cfg, err := hc.TLSConfig()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(hc.Certificate, hc.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("http_server.certificate / private_key: %w", err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	return cfg, nil
}
