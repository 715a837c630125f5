package tdx

import (
	"encoding/hex"
	"testing"
)

// TestQuoteVersion is upstream's test_quote_version.
func TestQuoteVersion(t *testing.T) {
	for name, want := range map[string]uint16{"tdx_quote_4.dat": 4, "tdx_quote_5.dat": 5} {
		if got := mustParseQuote(t, name).Header.Version; got != want {
			t.Errorf("%s: version %d, want %d", name, got, want)
		}
	}
}

func TestUpstreamQuotesVerify(t *testing.T) {
	for _, name := range []string{"tdx_quote_4.dat", "tdx_quote_5.dat"} {
		q := mustParseQuote(t, name)
		pck, err := VerifyQuote(q, rootOf(t, q), upstreamQuoteTime)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: body type %d, FMSPC %s, platform CA %t, piid %s, sgx type %d", name, q.BodyType, pck.FMSPC(), pck.PlatformCA, hex.EncodeToString(pck.PlatformInstanceID), pck.SGXType)
	}
}
