package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/restapi"
)

// run starts the three components in kata-agent's order (agent, CDH, REST
// API) and serves until ctx ends or one of them fails.
func run(ctx context.Context, o *options) error {
	logger, err := newLogger(o)
	if err != nil {
		return err
	}
	feature, err := restapi.ParseFeature(o.restFeatures)
	if err != nil {
		return fmt.Errorf("--rest-features: %w", err)
	}
	var servers serverGroup
	defer func() { _ = servers.wait() }() // after cancel: deferred calls run last first
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	aaService, err := startAgent(ctx, o, logger.With("component", "attestation-agent"), &servers)
	if err != nil {
		return err
	}
	cdhService, err := startCDH(ctx, o, logger.With("component", "confidential-data-hub"), &servers)
	if err != nil {
		return err
	}

	l, err := restapi.Listen(o.restBind)
	if err != nil {
		return fmt.Errorf("--rest-bind: %w", err)
	}
	opts := restapi.Options{Feature: feature, Version: version, Logger: logger.With("component", "api-server-rest")}
	if feature.Attestation() {
		opts.Attestation = aaService
	}
	if feature.Resource() {
		opts.Resources = cdhService
	}
	servers.start("api-server-rest", func() error { return restapi.Serve(ctx, l, restapi.NewRouter(opts)) })
	logger.Info("cocoon-guest serving", "attestation_sock", o.aaSocket, "rest", "http://"+l.Addr().String(), "features", string(feature))

	servers.waitFirst(ctx)
	cancel()
	return servers.wait()
}

// startAgent starts the attestation-agent and serves its socket.
func startAgent(ctx context.Context, o *options, log *slog.Logger, servers *serverGroup) (*aa.Service, error) {
	cfg, err := loadAAConfig(o)
	if err != nil {
		return nil, err
	}
	initData, err := readInitData(o)
	if err != nil {
		return nil, err
	}
	agent, err := aa.New(ctx, aa.Options{Config: cfg, InitData: initData, Logger: log})
	if err != nil {
		return nil, err
	}
	servers.onExit(func() { _ = agent.Close() })
	service := aa.NewService(agent)
	l, err := aa.ListenUnix(o.aaSocket)
	if err != nil {
		return nil, err
	}
	srv, err := ttrpc.NewServer()
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("ttrpc server: %w", err)
	}
	service.RegisterTTRPC(srv)
	servers.start("attestation-agent", func() error { return serveTTRPC(ctx, srv, l) })
	return service, nil
}

// startCDH starts the confidential-data-hub, fetches its credentials and
// serves its socket.
func startCDH(ctx context.Context, o *options, log *slog.Logger, servers *serverGroup) (*cdh.Service, error) {
	cfg, err := loadCDHConfig(o)
	if err != nil {
		return nil, err
	}
	for _, key := range cfg.IgnoredKeys {
		log.Warn("config key ignored, as upstream ignores it", "key", key)
	}
	if cfg.SkipSealedSecretVerification {
		log.Warn("sealed secret signatures are NOT verified (skip_sealed_secret_verification)")
	}
	resources, closeResources, err := newResources(cfg, o, log)
	if err != nil {
		return nil, err
	}
	servers.onExit(closeResources)
	if err := cdh.FetchCredentials(ctx, cfg.Credentials, cdh.CredentialsDir, resources, log); err != nil {
		return nil, err
	}
	l, err := cdh.Listen(cfg.Socket)
	if err != nil {
		return nil, err
	}
	service := cdh.NewService(cdh.ServiceOptions{
		Resources:                    resources,
		SkipSealedSecretVerification: cfg.SkipSealedSecretVerification,
		Logger:                       log,
	})
	servers.start("confidential-data-hub", func() error { return cdh.Serve(ctx, l, service) })
	return service, nil
}

// serveTTRPC serves until ctx ends, then lets calls in flight finish.
func serveTTRPC(ctx context.Context, srv *ttrpc.Server, l net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, ttrpc.ErrServerClosed) {
		return fmt.Errorf("ttrpc shutdown: %w", err)
	}
	return nil
}

// serverGroup runs the servers and the clean-ups of one process.
type serverGroup struct {
	wg       sync.WaitGroup
	stopped  chan struct{} // closed when the first server returns
	stopOnce sync.Once
	mu       sync.Mutex
	errs     []error
	cleanups []func()
}

func (g *serverGroup) start(name string, serve func() error) {
	g.stopOnce.Do(func() { g.stopped = make(chan struct{}) })
	g.wg.Go(func() {
		if err := serve(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, fmt.Errorf("%s: %w", name, err))
			g.mu.Unlock()
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-g.stopped:
		default:
			close(g.stopped)
		}
	})
}

func (g *serverGroup) onExit(f func()) { g.cleanups = append(g.cleanups, f) }

// waitFirst returns when ctx ends or a server returns.
func (g *serverGroup) waitFirst(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-g.stopped:
	}
}

// wait waits for every server, runs the clean-ups once and returns the
// servers' errors.
func (g *serverGroup) wait() error {
	g.wg.Wait()
	for _, f := range g.cleanups {
		f()
	}
	g.cleanups = nil
	g.mu.Lock()
	defer g.mu.Unlock()
	err := errors.Join(g.errs...)
	g.errs = nil
	return err
}
