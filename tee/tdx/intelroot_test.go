package tdx_test

import (
	"testing"

	"github.com/google/go-tdx-guest/abi"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/verify"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/tdx"
)

// TestIntelRootIsGoTdxGuests proves that upstream's real v4 quote chains
// to the Intel SGX Root CA go-tdx-guest embeds, so intelRoot (its root)
// stands for Intel's real root in these tests, and that our verifier
// agrees with go-tdx-guest on that quote.
func TestIntelRootIsGoTdxGuests(t *testing.T) {
	raw := upstream.Read(t, "trustee/verifier/tdx_quote_4.dat")
	opts := &verify.Options{Now: upstreamQuoteTime}
	if err := verify.RawTdxQuote(raw, opts); err != nil {
		t.Fatalf("go-tdx-guest with its embedded Intel root: %v", err)
	}
	q, err := tdx.ParseQuote(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tdx.VerifyQuote(q, intelRoot(t), upstreamQuoteTime); err != nil {
		t.Fatalf("our verifier under Intel's root: %v", err)
	}
	// Our parser reads the fields go-tdx-guest reads.
	p, err := abi.QuoteToProto(raw)
	if err != nil {
		t.Fatal(err)
	}
	body := p.(*pb.QuoteV4).GetTdQuoteBody()
	if string(body.GetMrTd()) != string(q.Body.MRTD[:]) || string(body.GetReportData()) != string(q.Body.ReportData[:]) ||
		string(body.GetRtmrs()[3]) != string(q.Body.RTMRs[3][:]) || string(body.GetMrConfigId()) != string(q.Body.MRConfigID[:]) {
		t.Error("our quote body differs from go-tdx-guest's")
	}
}
