package azure_test

import (
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/azure"
)

func FuzzParseHCLReport(f *testing.F) {
	f.Add(upstream.Read(f, snpDir+"hcl-report.bin"))
	f.Add(upstream.Read(f, tdxDir+"hcl-report.bin"))
	f.Add([]byte("HCLA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := azure.ParseHCLReport(b)
		if err != nil {
			return
		}
		// What verification reads from a parsed report must not panic.
		_, _ = h.AKPublic()
		_, _ = h.UserData()
		_, _ = h.SNPReport()
		_ = h.VarDataHash()
	})
}

func FuzzParseSNPEvidence(f *testing.F) {
	for _, file := range []string{"evidence-v0.json", "evidence-v1.json", "evidence-v2.json"} {
		f.Add(upstream.Read(f, snpDir+file))
	}
	f.Add([]byte(`{"version":2,"tpm_quote":{"signature":"00","message":"ff","pcrs":["00"]},"hcl_report":"SENMQQ==","vcek":"AA"}`))
	f.Add([]byte(`{"quote":{"signature":[1],"message":[2],"pcrs":[[3]]},"report":[4],"vcek":"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"}`))
	v := snpVerifier(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := azure.ParseSNPEvidence(b); err != nil {
			return
		}
		// Parsed evidence goes on to verification, which must refuse or
		// accept it without panicking.
		_, _ = v.Verify(t.Context(), b, azure.Expected{ReportData: []byte("challenge")})
	})
}

func FuzzParseTDXEvidence(f *testing.F) {
	f.Add(upstream.Read(f, tdxDir+"evidence-v1.json"))
	f.Add([]byte(`{"tpm_quote":{"signature":[1],"message":[2],"pcrs":[[3]]},"hcl_report":[4],"td_quote":[5]}`))
	f.Add([]byte(`{"version":1,"tpm_quote":{"signature":"01","message":"02","pcrs":["03"]},"hcl_report":"BA","td_quote":"BQ"}`))
	v := &azure.TDXVerifier{Appraiser: offlineDCAP{roots: intelRoot(f)}}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := azure.ParseTDXEvidence(b); err != nil {
			return
		}
		_, _ = v.Verify(t.Context(), b, azure.Expected{ReportData: []byte("challenge")})
	})
}
