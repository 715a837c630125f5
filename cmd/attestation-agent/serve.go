package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// errNoGRPC is returned for --grpc by a build without gRPC.
var errNoGRPC = errors.New("this attestation-agent is built without gRPC; build it with -tags grpc")

// serve starts the agent and serves until ctx ends.
func serve(ctx context.Context, o *options) error {
	if o.grpcAddr != "" && !grpcBuilt {
		return fmt.Errorf("--grpc: %w", errNoGRPC)
	}
	cfg, note, err := aa.LoadStartupConfig(o.configFile, os.LookupEnv)
	if err != nil {
		return fmt.Errorf("--config-file %w", err)
	}
	logger, err := startup.NewLogger(o.stderr, cfg.Log.Level, os.Getenv(startup.EnvLogLevel))
	if err != nil {
		return err
	}
	logger.Info("attestation-agent starting", "version", version, "config", note)
	initData, err := aa.ReadInitData(o.initDataTOML, o.initDataDigest)
	if err != nil {
		return err
	}
	agent, err := aa.New(ctx, aa.Options{Config: cfg, InitData: initData, Logger: logger})
	if err != nil {
		return err
	}
	defer func() { _ = agent.Close() }()
	service := aa.NewService(agent)

	listener, err := aa.ListenUnix(o.socket)
	if err != nil {
		return err
	}
	// Cancelled on every return, so an early one also stops the ttRPC server.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- startup.ServeTTRPC(ctx, listener, service.RegisterTTRPC) }()
	logger.Info("serving ttRPC", "socket", o.socket)
	if o.grpcAddr != "" {
		stopGRPC, err := serveGRPC(o.grpcAddr, service, errc)
		if err != nil {
			return fmt.Errorf("--grpc: %w", err)
		}
		defer stopGRPC()
		logger.Info("serving gRPC", "address", o.grpcAddr)
	}

	// The first to return is the ttRPC server at shutdown, or a server
	// that failed.
	if err := <-errc; err != nil {
		logger.Error("server stopped", "error", err)
		return err
	}
	logger.Info("shut down")
	return nil
}
