package tdx_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

// FuzzParseQuote checks that no quote bytes panic the parser and that a
// parsed body re-encodes to the bytes it came from.
func FuzzParseQuote(f *testing.F) {
	// Headers and bodies only: whole quotes (5 KB of certificates) slow
	// the fuzzer's mutator down to a few executions a second.
	f.Add(upstream.Read(f, "trustee/verifier/tdx_quote_4.dat")[:700])
	f.Add(upstream.Read(f, "trustee/verifier/tdx_quote_5.dat")[:760])
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := tdx.ParseQuote(b)
		if err != nil {
			return
		}
		body := q.Body.Marshal()
		if !bytes.HasSuffix(q.Signed, body) {
			t.Fatal("body does not re-encode to the signed bytes")
		}
		_, _ = tdx.ParsePCKChain(q.PCKChain)
		_ = tdx.Claims(q, nil, nil)
	})
}

// FuzzAppraise feeds arbitrary evidence JSON through the whole appraisal.
func FuzzAppraise(f *testing.F) {
	fx := newFixture(f, tdxtest.CollateralOptions{})
	log, _ := aaelLog(f)
	ev, _ := fx.evidence(f, tdx.QuoteV4, tdxtest.DefaultBody(), log)
	f.Add(ev)
	f.Add([]byte(`{"cc_eventlog":null,"quote":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = fx.appraiser.Appraise(context.Background(), b, tdx.Expected{ReportData: fx.nonce})
	})
}

// FuzzParseEvidence checks the evidence JSON decoder alone.
func FuzzParseEvidence(f *testing.F) {
	f.Add([]byte(`{"cc_eventlog":null,"quote":"BAACAIEAAAA="}`))
	f.Add([]byte(`{"cc_eventlog":"AAAA","quote":"BAACAIEAAAA=","x":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		quote, _, err := tdx.ParseEvidence(b)
		if err == nil && len(quote) == 0 {
			t.Fatal("empty quote accepted")
		}
	})
}
