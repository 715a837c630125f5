package tpm_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	tpmverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tpm"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/rvps"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
)

// trustee is a real Trustee in-process with the TPM verifier registered,
// the default appraisal and resource policies, and its log kept so that
// tests can read why it refused. It is wired here rather than by
// trusteetest.New because internal/trustee/app does not register the TPM
// verifier yet, and trusteetest offers no logger.
type trustee struct {
	url      string
	adminKey []byte
	log      *syncBuffer
}

func newTrustee(t *testing.T) *trustee {
	t.Helper()
	ctx := context.Background()
	buf := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(buf, nil))
	store := storage.NewMemory()
	t.Cleanup(func() { _ = store.Close() })

	signingKey, err := token.GenerateSigningKeyPEM()
	must(t, err)
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "token.key")
	must(t, os.WriteFile(keyPath, signingKey, 0o600))
	issuer, err := token.NewIssuer(token.IssuerConfig{SignerKeyPath: keyPath}, logger)
	must(t, err)
	tokens, err := token.NewVerifier(token.VerifierConfig{}, logger, token.WithTrustedKey(issuer.PublicKey()))
	must(t, err)

	verifiers := verifier.NewRegistry()
	must(t, verifiers.Register(protocol.TeeTpm, tpmverifier.Verifier{}))
	engine := policy.NewEngine(logger)
	refValues := rvps.New(store, logger)
	attestation, err := as.New(as.DefaultConfig(), as.Deps{
		Store: store, Policies: engine, ReferenceValues: refValues.Query,
		Issuer: issuer, Verifiers: verifiers, Logger: logger,
	})
	must(t, err)
	must(t, attestation.InstallDefaultPolicies(ctx))

	adminKey, adminPub, err := admin.GenerateKeyPair()
	must(t, err)
	pubPath := filepath.Join(dir, "admin.pub")
	must(t, os.WriteFile(pubPath, adminPub, 0o600))
	authz, err := admin.New(config.Admin{
		Type:     config.AdminSimple,
		Personas: []config.Persona{{ID: "admin", PublicKeyPath: pubPath}},
	}, logger)
	must(t, err)

	m := metrics.New(metrics.BuildInfo{Version: "test"})
	plugins, err := plugin.NewSet(plugin.NewResource(store, m, logger))
	must(t, err)
	sessions := kbs.NewSessionStore(store, 5*time.Minute, logger)
	srv, err := kbs.New(kbs.Config{MaxRequestBytes: 1 << 20}, kbs.Deps{
		Store: store, Sessions: sessions, AS: attestation, Verifiers: verifiers,
		RVPS: refValues, Tokens: tokens, Policy: engine, Admin: authz,
		Plugins: plugins, Metrics: m, Logger: logger,
	})
	must(t, err)
	must(t, srv.InstallDefaultResourcePolicy(ctx, false))
	h := httptest.NewServer(srv.Handler())
	t.Cleanup(h.Close)
	return &trustee{url: h.URL, adminKey: adminKey, log: buf}
}

func (tr *trustee) admin(t *testing.T) *kbsclient.Admin {
	t.Helper()
	a, err := kbsclient.NewAdmin(tr.url, kbsclient.EdDSATokenSource(tr.adminKey))
	must(t, err)
	return a
}

// setReferenceValue registers value under name as kbs-client's
// set-sample-reference-value does.
func (tr *trustee) setReferenceValue(t *testing.T, name string, value any) {
	t.Helper()
	msg, err := kbsclient.SampleReferenceValueMessage(name, value, false)
	must(t, err)
	must(t, tr.admin(t).RegisterReferenceValue(context.Background(), msg))
}

func (tr *trustee) setResource(t *testing.T, path string, data []byte) {
	t.Helper()
	must(t, tr.admin(t).SetResource(context.Background(), path, data))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log sink shared by the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
