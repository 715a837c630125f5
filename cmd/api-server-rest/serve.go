package main

import (
	"context"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/guest/restapi"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// serve checks the flags, then serves until ctx ends.
func serve(ctx context.Context, o *options) error {
	logger, err := startup.NewLogger(o.stderr, "", o.getenv(startup.EnvLogLevel))
	if err != nil {
		return err
	}
	feature, err := restapi.ParseFeature(o.features)
	if err != nil {
		return fmt.Errorf("--features: %w", err)
	}
	opts := restapi.Options{Feature: feature, Version: version, Logger: logger}
	if feature.Attestation() {
		c, err := restapi.NewAAClient(o.aaAddr)
		if err != nil {
			return fmt.Errorf("--aa_addr: %w", err)
		}
		defer func() { _ = c.Close() }()
		opts.Attestation = c
	}
	if feature.Resource() {
		c, err := restapi.NewCDHClient(o.cdhAddr)
		if err != nil {
			return fmt.Errorf("--cdh_addr: %w", err)
		}
		defer func() { _ = c.Close() }()
		opts.Resources = c
	}
	l, err := restapi.Listen(o.bind)
	if err != nil {
		return fmt.Errorf("--bind: %w", err)
	}
	logger.Info("API server listening", "address", "http://"+l.Addr().String(), "features", string(feature))
	err = restapi.Serve(ctx, l, restapi.NewRouter(opts))
	logger.Info("API server stopped")
	return err
}
