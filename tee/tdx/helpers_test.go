package tdx

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func mustParseQuote(t testing.TB, name string) *Quote {
	t.Helper()
	q, err := ParseQuote(upstream.Read(t, "trustee/verifier/"+name))
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
