package kbs

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/rvps"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// harness is a whole Trustee in-process: real storage, AS, sample
// verifiers, token issuer and verifier, policy engine, admin and RVPS.
type harness struct {
	t          testing.TB
	server     *Server
	http       *httptest.Server
	store      storage.Store
	sessions   *SessionStore
	metrics    *metrics.Metrics
	signingKey []byte // PEM of the token issuer's key, to mint test tokens
	adminKey   []byte // PEM of the admin's Ed25519 private key
}

type harnessOptions struct {
	maxRequestBytes int64
	allowSample     bool
	extraPlugins    []plugin.Plugin
}

func newHarness(t testing.TB, opts harnessOptions) *harness {
	t.Helper()
	ctx := context.Background()
	logger := discardLogger()
	dir := t.TempDir()
	store := storage.NewMemory()
	m := metrics.New(metrics.BuildInfo{Version: "test"})

	signingKey, err := token.GenerateSigningKeyPEM()
	must(t, err)
	keyPath := filepath.Join(dir, "token.key")
	must(t, os.WriteFile(keyPath, signingKey, 0o600))
	issuer, err := token.NewIssuer(token.IssuerConfig{SignerKeyPath: keyPath}, logger)
	must(t, err)
	tokens, err := token.NewVerifier(token.VerifierConfig{}, logger, token.WithTrustedKey(issuer.PublicKey()))
	must(t, err)

	verifiers := verifier.NewRegistry()
	must(t, verifiers.Register(kbs.TeeSample, sample.CPU{}))
	must(t, verifiers.Register(kbs.TeeSampleDevice, sample.Device{}))
	engine := policy.NewEngine(logger)
	refValues := rvps.New(store, logger)
	attestation, err := as.New(as.DefaultConfig(), as.Deps{
		Store: store, Policies: engine, ReferenceValues: refValues.Query,
		Issuer: issuer, Verifiers: verifiers, Logger: logger,
	})
	must(t, err)
	must(t, attestation.InstallDefaultPolicies(ctx))

	adminPriv, adminPubPath := newAdminKey(t, dir)
	authz, err := admin.New(config.Admin{
		Type:     config.AdminSimple,
		Personas: []config.Persona{{ID: "admin", PublicKeyPath: adminPubPath}},
	}, logger)
	must(t, err)

	plugins, err := plugin.NewSet(append([]plugin.Plugin{
		plugin.NewResource(store, m, logger), plugin.Sample{},
	}, opts.extraPlugins...)...)
	must(t, err)

	if opts.maxRequestBytes == 0 {
		opts.maxRequestBytes = 1 << 20
	}
	sessions := NewSessionStore(store, time.Duration(config.DefaultASTimeoutMinutes)*time.Minute, logger)
	srv, err := New(Config{MaxRequestBytes: opts.maxRequestBytes}, Deps{
		Store: store, Sessions: sessions, AS: attestation, Verifiers: verifiers,
		RVPS: refValues, Tokens: tokens, Policy: engine, Admin: authz,
		Plugins: plugins, Metrics: m, Logger: logger,
	})
	must(t, err)
	must(t, srv.InstallDefaultResourcePolicy(ctx, opts.allowSample))

	h := &harness{
		t: t, server: srv, http: httptest.NewServer(srv.Handler()), store: store,
		sessions: sessions, metrics: m, signingKey: signingKey, adminKey: adminPriv,
	}
	t.Cleanup(h.http.Close)
	return h
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newAdminKey writes an Ed25519 admin public key and returns the private
// key PEM and the public key path.
func newAdminKey(t testing.TB, dir string) ([]byte, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	must(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	must(t, err)
	pubPath := filepath.Join(dir, "admin.pub")
	must(t, os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644))
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), pubPath
}

// do sends one request and returns status and body.
func (h *harness) do(method, path string, body []byte, header http.Header, cookies ...*http.Cookie) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, bytes.NewReader(body))
	must(h.t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := h.http.Client().Do(req)
	must(h.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	must(h.t, err)
	return resp, out
}

// expectError checks an upstream-shaped error answer.
func expectError(t testing.TB, resp *http.Response, body []byte, status int, variant kbs.ErrorVariant) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	var info kbs.ErrorInformation
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("error body %q is not ErrorInformation: %v", body, err)
	}
	if info.Variant() != variant || info.Detail == "" {
		t.Fatalf("error %+v, want variant %s with a detail", info, variant)
	}
}
