// Package trusteetest runs a real Trustee, built by app.Build as the
// trustee command builds it, in-process on loopback for tests: clients,
// the CLI and the KBS itself are tested against the server that ships,
// never against a second implementation of the protocol.
package trusteetest

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
)

// Trustee is a running server. It stops when the test ends.
type Trustee struct {
	// URL is the base URL, http or (WithTLS) https on 127.0.0.1.
	URL string
	// AdminKeyPEM is the Ed25519 private key (PKCS#8 PEM) of the one admin
	// persona, as kbs-client's --auth-private-key reads it.
	AdminKeyPEM []byte
	// TokenKeyPEM is the P-256 key the attestation service signs tokens
	// with, for tests that mint tokens of their own.
	TokenKeyPEM []byte
	// RootCAPEM is the server's self-signed certificate with WithTLS, else nil.
	RootCAPEM []byte
	// Store holds every namespace (resources, policies, reference values,
	// sessions), for tests that check what the server stored.
	Store storage.Store

	app    *app.App
	server *httptest.Server
	log    *requestLog
}

// New builds and starts a Trustee over an in-memory store with a fresh
// admin key pair and token signing key. With no option the server is what
// a production configuration gives: the default resource policy, which
// refuses the sample TEE.
func New(t testing.TB, opts ...Option) *Trustee {
	t.Helper()
	var s settings
	for _, opt := range opts {
		opt(&s)
	}
	tr := &Trustee{Store: s.store}
	if tr.Store == nil {
		tr.Store = storage.NewMemory()
		t.Cleanup(func() { _ = tr.Store.Close() })
	}
	cfg, keys := NewConfig(t)
	cfg.AttestationService.VerifierConfig = s.verifiers
	tr.AdminKeyPEM, tr.TokenKeyPEM = keys.AdminPEM, keys.TokenPEM
	a, err := app.Build(context.Background(), cfg, app.Options{AllowSampleTEE: s.allowSample, Store: tr.Store, Logger: s.logger})
	if err != nil {
		t.Fatalf("trusteetest: build: %v", err)
	}
	tr.app = a
	t.Cleanup(func() { _ = a.Close() })

	tr.log = &requestLog{next: a.Handler()}
	tr.server = httptest.NewUnstartedServer(tr.log)
	// Refused TLS handshakes are expected in tests; keep them off stderr.
	tr.server.Config.ErrorLog = log.New(io.Discard, "", 0)
	if s.tls {
		tr.server.StartTLS()
		tr.RootCAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tr.server.Certificate().Raw})
	} else {
		tr.server.Start()
	}
	t.Cleanup(tr.server.Close)
	tr.URL = tr.server.URL

	for _, setup := range s.setups {
		setup(t, tr)
	}
	return tr
}

// Keys are the secrets of a configuration NewConfig made.
type Keys struct {
	AdminPEM []byte // Ed25519 private key of the admin persona, PKCS#8 PEM
	TokenPEM []byte // P-256 token signing key, PKCS#8 PEM
}

// NewConfig returns a valid all-in-one configuration, the development
// server's but over the Memory store and with the sample plugin, whose
// fresh keys live in a temporary directory.
func NewConfig(t testing.TB) (*config.Config, Keys) {
	t.Helper()
	var keys Keys
	var (
		adminPub []byte
		err      error
	)
	if keys.AdminPEM, adminPub, err = admin.GenerateKeyPair(); err != nil {
		t.Fatalf("trusteetest: %v", err)
	}
	if keys.TokenPEM, err = token.GenerateSigningKeyPEM(); err != nil {
		t.Fatalf("trusteetest: %v", err)
	}
	cfg := config.Default(t.TempDir())
	for path, data := range map[string][]byte{
		cfg.Admin.Personas[0].PublicKeyPath:               adminPub,
		cfg.AttestationService.TokenBroker.Signer.KeyPath: keys.TokenPEM,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatalf("trusteetest: %v", err)
		}
	}
	cfg.StorageBackend.StorageType = config.StorageMemory
	cfg.Plugins = append(cfg.Plugins, config.Plugin{Name: config.PluginSample, Item: "trusteetest"})
	if err := cfg.Validate(); err != nil {
		t.Fatalf("trusteetest: configuration: %v", err)
	}
	return cfg, keys
}

// Handler is the server's whole HTTP surface, for in-process requests
// (fuzzing, benchmarks) that skip the network and Requests.
func (tr *Trustee) Handler() http.Handler { return tr.app.Handler() }

// HTTPClient is an HTTP client that trusts the server's certificate.
func (tr *Trustee) HTTPClient() *http.Client { return tr.server.Client() }

// Admin is an admin API client signing its tokens with AdminKeyPEM.
func (tr *Trustee) Admin(t testing.TB) *kbsclient.Admin {
	t.Helper()
	a, err := kbsclient.NewAdmin(tr.URL, kbsclient.EdDSATokenSource(tr.AdminKeyPEM), tr.trust()...)
	if err != nil {
		t.Fatalf("trusteetest: admin client: %v", err)
	}
	return a
}

// Client is a guest client with the sample attester (the server must
// allow it to release resources: WithSampleTEE); opts come last and win.
func (tr *Trustee) Client(t testing.TB, opts ...kbsclient.Option) *kbsclient.Client {
	t.Helper()
	opts = append(append([]kbsclient.Option{kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false))}, tr.trust()...), opts...)
	c, err := kbsclient.New(tr.URL, opts...)
	if err != nil {
		t.Fatalf("trusteetest: client: %v", err)
	}
	return c
}

// trust is the client option that trusts the server's certificate.
func (tr *Trustee) trust() []kbsclient.Option {
	if tr.RootCAPEM == nil {
		return nil
	}
	return []kbsclient.Option{kbsclient.WithRootCertificatePEM(tr.RootCAPEM)}
}

// SetResource stores a resource through the admin API.
func (tr *Trustee) SetResource(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := tr.Admin(t).SetResource(context.Background(), path, data); err != nil {
		t.Fatalf("trusteetest: set resource %s: %v", path, err)
	}
}

// ExpireSessions forgets every RCAR session, as a restart of a server
// with in-memory sessions does: cookies become unknown, tokens stay valid.
func (tr *Trustee) ExpireSessions(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	ids, err := tr.Store.List(ctx, storage.NamespaceSessions)
	if err != nil {
		t.Fatalf("trusteetest: list sessions: %v", err)
	}
	for _, id := range ids {
		if err := tr.Store.Delete(ctx, storage.NamespaceSessions, id); err != nil {
			t.Fatalf("trusteetest: delete session: %v", err)
		}
	}
}
