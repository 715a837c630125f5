package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os/signal"
	"syscall"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

func runServe(ctx context.Context, o *options) (err error) {
	logger, err := newLogger(o)
	if err != nil {
		return err
	}
	cfg, banner, err := loadConfig(o, logger)
	if err != nil {
		return err
	}
	if err := applySocketFlags(cfg, o.sockets); err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		logger.Warn("configuration", slog.String("warning", w))
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	trustee, err := app.Build(ctx, cfg, app.Options{Logger: logger, AllowSampleTEE: o.allowSample})
	if err != nil {
		return err
	}
	// The stores hold written data: a failed close is the command's failure.
	defer func() { err = errors.Join(err, trustee.Close()) }()
	listeners, err := trustee.Listen()
	if err != nil {
		return err
	}
	if banner != nil {
		if err := banner.print(o.stdout, listeners.URLs()[0]); err != nil {
			return err
		}
	}
	return trustee.Serve(ctx, listeners)
}

// loadConfig reads the configuration file, or prepares the development
// server, whose banner is printed once its socket is bound.
func loadConfig(o *options, logger *slog.Logger) (*config.Config, *devBanner, error) {
	if o.configFile == "" {
		return devConfig(o, logger)
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w\n(run `trustee validate -c %s` for the full list)", err, o.configFile)
	}
	logger.Info("configuration loaded", slog.String("file", o.configFile))
	return cfg, nil, nil
}

// applySocketFlags puts the --socket addresses in place of
// http_server.sockets: flags win over the file.
func applySocketFlags(cfg *config.Config, sockets []string) error {
	if len(sockets) == 0 {
		return nil
	}
	for _, s := range sockets {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return fmt.Errorf("--socket %q: want IP:PORT: %w", s, err)
		}
		if cfg.HTTPServer.InsecureHTTP && !ap.Addr().IsLoopback() {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("--socket %s serves plain HTTP off loopback; use only behind a TLS-terminating proxy", s))
		}
	}
	cfg.HTTPServer.Sockets = sockets
	return nil
}
