package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
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

func runServe(ctx context.Context, o *options) error {
	logger, err := newLogger(o)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(o, logger)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		logger.Warn("configuration", slog.String("warning", w))
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	t, err := build(ctx, cfg, o.allowSample, logger)
	if err != nil {
		return err
	}
	defer t.stores.close(logger)
	go t.sessions.RunSweeper(ctx)
	return listenAndServe(ctx, cfg.HTTPServer, t.handler, logger)
}

// loadConfig reads the configuration file, or prepares the development
// server when there is none.
func loadConfig(o *options, logger *slog.Logger) (*config.Config, error) {
	if o.configFile == "" {
		return devConfig(o, logger)
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return nil, fmt.Errorf("%w\n(run `trustee validate -c %s` for the full list)", err, o.configFile)
	}
	logger.Info("configuration loaded", slog.String("file", o.configFile))
	return cfg, nil
}

// listenAndServe binds every socket first, so a busy port fails start-up,
// then serves until ctx ends and drains in-flight requests.
func listenAndServe(ctx context.Context, hc config.HTTPServer, handler http.Handler, logger *slog.Logger) error {
	tlsConfig, err := serverTLS(hc)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	var listeners []net.Listener
	for _, addr := range hc.Sockets {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			return fmt.Errorf("http_server.sockets: %w", err)
		}
		if tlsConfig != nil {
			ln = tls.NewListener(ln, tlsConfig)
		}
		listeners = append(listeners, ln)
	}
	scheme := "https"
	if tlsConfig == nil {
		scheme = "http"
	}
	served := make(chan error, len(listeners))
	for _, ln := range listeners {
		logger.Info("KBS listening", slog.String("url", scheme+"://"+ln.Addr().String()))
		go func() { served <- srv.Serve(ln) }()
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests", slog.Duration("timeout", shutdownTimeout))
	drainCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	for range listeners {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	logger.Info("stopped")
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
