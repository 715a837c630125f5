package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/guest/restapi"
)

// levelOff is above every level slog logs at.
const levelOff = slog.Level(100)

// serve checks the flags, then serves until ctx ends.
func serve(ctx context.Context, o *options) error {
	logger, err := newLogger(o.stderr, o.getenv("RUST_LOG"))
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

// newLogger logs text to w at RUST_LOG's level (info when unset).
func newLogger(w io.Writer, rustLog string) (*slog.Logger, error) {
	var level slog.Level
	switch strings.ToLower(rustLog) {
	case "trace", "debug":
		level = slog.LevelDebug
	case "info", "":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	case "off":
		level = levelOff
	default:
		return nil, fmt.Errorf("RUST_LOG=%q: want trace, debug, info, warn, error or off", rustLog)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), nil
}
