package tdx

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// upstreamDir is ../shared/testdata/upstream seen from the module root.
func upstreamDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata", "upstream")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

func readVector(t testing.TB, path ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{upstreamDir(t), "trustee"}, path...)...))
	if err != nil {
		t.Fatalf("upstream vector: %v", err)
	}
	return b
}

func mustParseQuote(t testing.TB, name string) *Quote {
	t.Helper()
	q, err := ParseQuote(readVector(t, "verifier", name))
	if err != nil {
		t.Fatalf("ParseQuote(%s): %v", name, err)
	}
	return q
}

// upstreamQuoteTime lies within the validity of the PCK chains of
// upstream's captured quotes.
var upstreamQuoteTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// rootOf is a pool holding the root certificate a quote carries.
func rootOf(t testing.TB, q *Quote) *x509.CertPool {
	t.Helper()
	pck, err := ParsePCKChain(q.PCKChain)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(pck.Root)
	return pool
}
