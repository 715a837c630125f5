package kbs

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/client/kbs/kbstest"
)

// newTestClient returns a client of srv with the sample attester and a
// retry delay short enough for tests that exercise retries.
func newTestClient(t testing.TB, srv *kbstest.Server, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithEvidenceProvider(SampleProvider(false))}, opts...)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.retryDelay = time.Millisecond
	return c
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

// newAdminKey returns an Ed25519 key pair, the private half as PKCS#8 PEM.
func newAdminKey(t testing.TB) (ed25519.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return pub, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func pemCertificate(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
