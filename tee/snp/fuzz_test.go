package snp_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/snp"
)

// FuzzParseReport: any bytes give a report or an error, and a report
// re-encodes to the bytes it came from but for the fields the sev crate
// drops (reserved TCB bytes), so it re-parses to itself.
func FuzzParseReport(f *testing.F) {
	f.Add(upstream.Read(f, milanReport))
	ev, err := snp.ParseEvidence(upstream.Read(f, e2eEvidence))
	if err != nil {
		f.Fatal(err)
	}
	raw, err := ev.AttestationReport.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(make([]byte, snp.ReportSize))
	f.Add([]byte{2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := snp.ParseReport(b)
		if err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed report does not encode: %v", err)
		}
		back, err := snp.ParseReport(again)
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("re-encoded report parses differently: %v", err)
		}
	})
}

// FuzzParseEvidence: any JSON gives evidence or an error, and accepted
// evidence goes through verification without a panic.
func FuzzParseEvidence(f *testing.F) {
	good := upstream.Read(f, e2eEvidence)
	f.Add(good)
	f.Add(bytes.Replace(good, []byte(`"version":3`), []byte(`"version":2`), 1))
	f.Add(bytes.Replace(good, []byte(`"cert_chain":[`), []byte(`"cert_chain":[{"cert_type":{"OTHER":"ecae0c0f-9502-43b1-afa2-0ae2e0d565b6"},"data":[1]},`), 1))
	f.Add([]byte(`{"attestation_report":{},"cert_chain":null}`))
	f.Add([]byte(`null`))
	v, err := snp.NewVerifier(snp.VerifierOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := snp.ParseEvidence(b)
		if err != nil {
			return
		}
		if verified, err := v.Verify(context.Background(), ev); err == nil {
			_ = snp.Claims(verified.Report)
			_ = snp.Validate(verified.Report, snp.Expected{ReportData: []byte{1}})
		}
	})
}
