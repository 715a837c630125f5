package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/keyprovider"
)

// shutdownGrace bounds how long in-flight WrapKey calls may finish.
const shutdownGrace = 10 * time.Second

// listeningMessage is the log line naming the address served, the way to
// find a port-0 server.
const listeningMessage = "listening"

// serve runs the gRPC server until ctx ends.
func serve(ctx context.Context, o *options) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	logger := slog.New(slog.NewTextHandler(o.stderr, &slog.HandlerOptions{Level: level}))
	registrar, err := newRegistrar(o)
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(o.socket); err != nil {
		return fmt.Errorf("--socket %q: want IP:port: %w", o.socket, err)
	}
	listener, err := net.Listen("tcp", o.socket)
	if err != nil {
		return fmt.Errorf("--socket: %w", err)
	}
	srv := grpc.NewServer()
	keyprovider.Register(srv, keyprovider.NewService(registrar, logger))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(listener) }()
	if registrar != nil {
		logger.Info("KEKs are registered in the KBS", slog.String("kbs", o.kbsURL))
	} else {
		logger.Warn("no --kbs: KEKs are not registered; requests must give keypath=")
	}
	logger.Info(listeningMessage, slog.String("address", listener.Addr().String()))

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err = <-errc:
		return fmt.Errorf("gRPC server: %w", err)
	}
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(shutdownGrace):
		srv.Stop()
	}
	return nil
}

// newRegistrar is the KBS admin client of --kbs and --auth-private-key,
// nil without them; the key is checked now rather than at the first layer.
func newRegistrar(o *options) (keyprovider.Registrar, error) {
	switch {
	case o.kbsURL == "" && o.authPrivateKey == "":
		return nil, nil
	case o.kbsURL == "" || o.authPrivateKey == "":
		return nil, errors.New("--kbs and --auth-private-key go together: both register KEKs in Trustee, neither alone does")
	}
	keyPEM, err := os.ReadFile(o.authPrivateKey)
	if err != nil {
		return nil, fmt.Errorf("--auth-private-key: %w", err)
	}
	tokens := kbsclient.EdDSATokenSource(keyPEM)
	if _, err := tokens(); err != nil {
		return nil, fmt.Errorf("--auth-private-key %s: %w", o.authPrivateKey, err)
	}
	var opts []kbsclient.Option
	if o.kbsCert != "" {
		certPEM, err := os.ReadFile(o.kbsCert)
		if err != nil {
			return nil, fmt.Errorf("--kbs-cert: %w", err)
		}
		opts = append(opts, kbsclient.WithRootCertificatePEM(certPEM))
	}
	admin, err := kbsclient.NewAdmin(o.kbsURL, tokens, opts...)
	if err != nil {
		return nil, fmt.Errorf("--kbs: %w", err)
	}
	return keyprovider.KBSRegistrar{Admin: admin}, nil
}
