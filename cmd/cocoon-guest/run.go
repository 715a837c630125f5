package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/restapi"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// run starts the three components in kata-agent's order (agent, CDH, REST
// API) and serves until ctx ends or one of them fails.
func run(ctx context.Context, o *options) error {
	rustLog, _ := o.lookupEnv(startup.EnvLogLevel)
	logger, err := startup.NewLogger(o.stderr, "", rustLog)
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
	hub, err := startCDH(ctx, o, logger.With("component", "confidential-data-hub"), &servers)
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
		opts.Resources = hub.Service
	}
	servers.start("api-server-rest", func() error { return restapi.Serve(ctx, l, restapi.NewRouter(opts)) })
	logger.Info("cocoon-guest serving", "attestation_sock", o.aaSocket, "rest", "http://"+l.Addr().String(), "features", string(feature))

	servers.waitFirst(ctx)
	cancel()
	return servers.wait()
}

// startAgent starts the attestation-agent and serves its socket.
func startAgent(ctx context.Context, o *options, log *slog.Logger, servers *serverGroup) (*aa.Service, error) {
	cfg, _, err := aa.LoadStartupConfig(o.aaConfig, o.lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("--aa-config %w", err)
	}
	initData, err := aa.ReadInitData(o.initDataTOML, o.initDataDigest)
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
	servers.start("attestation-agent", func() error { return startup.ServeTTRPC(ctx, l, service.RegisterTTRPC) })
	return service, nil
}

// startCDH starts the confidential-data-hub, fetches its credentials and
// serves its socket.
func startCDH(ctx context.Context, o *options, log *slog.Logger, servers *serverGroup) (*cdh.Hub, error) {
	getenv := func(k string) string { v, _ := o.lookupEnv(k); return v }
	cfg, err := cdh.LoadStartupConfig(o.cdhConfig, getenv)
	if err != nil {
		return nil, fmt.Errorf("--cdh-config: %w", err)
	}
	hub, err := cdh.Start(ctx, cfg, getenv, log)
	if err != nil {
		return nil, err
	}
	servers.onExit(hub.Close)
	servers.start("confidential-data-hub", func() error { return hub.Serve(ctx) })
	return hub, nil
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
