package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
)

// shutdownGrace bounds how long in-flight requests may finish at shutdown.
const shutdownGrace = 10 * time.Second

// cmdlinePath is where the kernel command line is read.
const cmdlinePath = "/proc/cmdline"

// serve starts the agent and serves until ctx ends.
func serve(ctx context.Context, o *options) error {
	cfg, note, err := loadConfig(o.configFile)
	if err != nil {
		return err
	}
	logger, err := newLogger(o, cfg)
	if err != nil {
		return err
	}
	logger.Info("attestation-agent starting", "version", version, "config", note)
	initData, err := readInitData(o)
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
	ttrpcServer, err := ttrpc.NewServer()
	if err != nil {
		_ = listener.Close()
		return fmt.Errorf("ttrpc server: %w", err)
	}
	service.RegisterTTRPC(ttrpcServer)
	errc := make(chan error, 2)
	go func() { errc <- ttrpcServer.Serve(ctx, listener) }()
	logger.Info("serving ttRPC", "socket", o.socket)

	var grpcServer *grpc.Server
	if o.grpcAddr != "" {
		if grpcServer, err = serveGRPC(o.grpcAddr, service, errc); err != nil {
			_ = ttrpcServer.Close()
			return err
		}
		logger.Info("serving gRPC", "address", o.grpcAddr)
	}

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err = <-errc:
		logger.Error("server stopped", "error", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if grpcServer != nil {
		grpcServer.GracefulStop()
	}
	if serr := ttrpcServer.Shutdown(shutdownCtx); serr != nil && !errors.Is(serr, ttrpc.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("ttrpc shutdown: %w", serr))
	}
	return err
}

func serveGRPC(addr string, service *aa.Service, errc chan<- error) (*grpc.Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--grpc: %w", err)
	}
	srv := grpc.NewServer()
	service.RegisterGRPC(srv)
	go func() { errc <- srv.Serve(l) }()
	return srv, nil
}

func loadConfig(path string) (*aa.Config, string, error) {
	if path == "" {
		cfg, note := aa.ConfigFromKernelParams(os.LookupEnv, cmdlinePath)
		return cfg, "no config file; " + note, nil
	}
	cfg, err := aa.LoadConfig(path)
	if err != nil {
		return nil, "", fmt.Errorf("--config-file %s: %w", path, err)
	}
	return cfg, path, nil
}

// newLogger logs text to stderr at [log] level, or RUST_LOG's as upstream.
func newLogger(o *options, cfg *aa.Config) (*slog.Logger, error) {
	levelCfg := cfg.Log
	if env, ok := os.LookupEnv("RUST_LOG"); ok {
		levelCfg.Level = env
	}
	level, err := levelCfg.SlogLevel()
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewTextHandler(o.stderr, &slog.HandlerOptions{Level: level})), nil
}

func readInitData(o *options) (aa.InitData, error) {
	if o.initDataTOML != "" {
		b, err := os.ReadFile(o.initDataTOML)
		if err != nil {
			return aa.InitData{}, fmt.Errorf("--initdata-toml: %w", err)
		}
		return aa.InitData{TOML: b}, nil
	}
	if o.initDataDigest != "" {
		d, err := base64.StdEncoding.DecodeString(o.initDataDigest)
		if err != nil {
			return aa.InitData{}, fmt.Errorf("--initdata-digest: not standard base64: %w", err)
		}
		return aa.InitData{Digest: d}, nil
	}
	return aa.InitData{}, nil
}
