package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"

	"github.com/cocoon-cc/cocoon/api/attestation-agent/aagrpc"
	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// serve starts the agent and serves until ctx ends.
func serve(ctx context.Context, o *options) error {
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
		grpcServer, err := serveGRPC(o.grpcAddr, service, errc)
		if err != nil {
			return err
		}
		defer grpcServer.GracefulStop()
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

// serveGRPC serves the agent over gRPC on a TCP address; only this command
// links gRPC.
func serveGRPC(addr string, service *aa.Service, errc chan<- error) (*grpc.Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--grpc: %w", err)
	}
	srv := grpc.NewServer()
	aagrpc.RegisterAttestationAgentServiceServer(srv, service)
	go func() { errc <- srv.Serve(l) }()
	return srv, nil
}
