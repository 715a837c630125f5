package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// build is app.Build of cfg, closed when the test ends.
func build(t *testing.T, cfg *config.Config, opts app.Options) *app.App {
	t.Helper()
	a, err := app.Build(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestBuildRefusesWhatIsNotImplemented(t *testing.T) {
	for name, change := range map[string]func(*config.Config){
		"gRPC attestation service": func(c *config.Config) { c.AttestationService.Type = config.ASGRPC },
		"Postgres storage":         func(c *config.Config) { c.StorageBackend.StorageType = config.StoragePostgres },
		"unknown plugin":           func(c *config.Config) { c.Plugins = append(c.Plugins, config.Plugin{Name: "nebula"}) },
		"missing token key":        func(c *config.Config) { c.AttestationService.TokenBroker.Signer.KeyPath += ".gone" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg, _ := trusteetest.NewConfig(t)
			change(cfg)
			if a, err := app.Build(context.Background(), cfg, app.Options{}); err == nil {
				a.Close()
				t.Fatal("Build succeeded")
			}
		})
	}
}

// A store the caller passes serves every namespace and outlives the App.
func TestCallersStoreIsSharedAndLeftOpen(t *testing.T) {
	cfg, _ := trusteetest.NewConfig(t)
	cfg.StorageBackend.StorageType = config.StorageLocalFs // ignored for Options.Store
	store := storage.NewMemory()
	a, err := app.Build(context.Background(), cfg, app.Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	ids, err := store.List(context.Background(), storage.NamespaceASPolicy)
	if err != nil || len(ids) == 0 {
		t.Fatalf("default attestation policies in the caller's store: %v, %v", ids, err)
	}
}

// Listen on port 0, serve, log the real address, stop on cancel.
func TestServeOnAChosenPort(t *testing.T) {
	cfg, _ := trusteetest.NewConfig(t)
	cfg.HTTPServer.Sockets = []string{"127.0.0.1:0"}
	logs, logWriter := io.Pipe()
	// Build logs too (the TDX warning): read from the start.
	type urlOrErr struct {
		url string
		err error
	}
	found := make(chan urlOrErr, 1)
	go func() {
		url, err := trusteetest.ListeningURL(logs)
		found <- urlOrErr{url, err}
	}()
	a := build(t, cfg, app.Options{Logger: slog.New(slog.NewJSONHandler(logWriter, nil))})
	listeners, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	url := listeners.URLs()[0]
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("URL %q", url)
	}

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- a.Serve(ctx, listeners)
		logWriter.Close()
	}()
	logged := <-found
	if logged.err != nil {
		t.Fatal(logged.err)
	}
	if logged.url != url {
		t.Fatalf("logged %q, listening on %q", logged.url, url)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if resp, err := http.Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("still serving after Serve returned")
	}
}

func TestListenFailsOnABusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg, _ := trusteetest.NewConfig(t)
	cfg.HTTPServer.Sockets = []string{"127.0.0.1:0", busy.Addr().String()}
	if _, err := build(t, cfg, app.Options{}).Listen(); err == nil || !strings.Contains(err.Error(), "http_server.sockets") {
		t.Fatalf("Listen on a busy port: %v", err)
	}
}

func TestListenNeedsTheCertificate(t *testing.T) {
	cfg, _ := trusteetest.NewConfig(t)
	cfg.HTTPServer.InsecureHTTP = false
	cfg.HTTPServer.Certificate, cfg.HTTPServer.PrivateKey = "/nonexistent/cert.pem", "/nonexistent/key.pem"
	if _, err := build(t, cfg, app.Options{}).Listen(); err == nil || !strings.Contains(err.Error(), "http_server.certificate") {
		t.Fatalf("Listen without certificate files: %v", err)
	}
}
