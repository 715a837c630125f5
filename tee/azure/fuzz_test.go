package azure_test

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/azure/azuretest"
)

// Whole captures (2.6 KB reports, 8-36 KB evidence) stall Go's fuzzer in
// minimisation. The HCL report is fuzzed through what varies in it (its
// header words, length and var-data) laid out around a real SNP report,
// and evidence through small documents of the real shapes.

func FuzzParseHCLReport(f *testing.F) {
	upstreamReport, err := azure.ParseHCLReport(upstream.Read(f, snpDir+"hcl-report.bin"))
	if err != nil {
		f.Fatal(err)
	}
	ak := `{"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB","n":"AAAA"}],"user-data":"00ff"}`
	f.Add(uint32(2), uint32(1), uint32(len(ak)), uint16(2600), []byte(ak))
	f.Add(uint32(4), uint32(1), uint32(2), uint16(1240), []byte(`{}`))
	f.Add(uint32(2), uint32(2), uint32(100), uint16(40), []byte(`{"keys":[{"kid":"HCLAkPub","kty":"EC"}]}`))
	f.Fuzz(func(t *testing.T, reportType, hashType, varDataSize uint32, length uint16, varData []byte) {
		b := azuretest.HCLReport(azure.ReportType(reportType), upstreamReport.Hardware, varData)
		binary.LittleEndian.PutUint32(b[0x4cc:], hashType)
		binary.LittleEndian.PutUint32(b[0x4d0:], varDataSize)
		h, err := azure.ParseHCLReport(b[:min(int(length), len(b))])
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

// smallEvidence is v1 evidence of the given shape with short values.
func smallEvidence(f *testing.F, version int, report, cert string) []byte {
	b, err := json.Marshal(map[string]any{
		"version":    version,
		"tpm_quote":  map[string]any{"signature": "00ff", "message": "ff544347", "pcrs": []string{"00", "11"}},
		"hcl_report": report, cert: "AAAA",
	})
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzParseSNPEvidence(f *testing.F) {
	f.Add(smallEvidence(f, 1, "SENMQQ==", "vcek"))
	f.Add(smallEvidence(f, 2, "SENMQQ", "vcek"))
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
	f.Add(smallEvidence(f, 1, "SENMQQ==", "td_quote"))
	f.Add([]byte(`{"tpm_quote":{"signature":[1],"message":[2],"pcrs":[[3]]},"hcl_report":[4],"td_quote":[5]}`))
	v := &azure.TDXVerifier{Appraiser: offlineDCAP{roots: intelRoot(f)}}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := azure.ParseTDXEvidence(b); err != nil {
			return
		}
		_, _ = v.Verify(t.Context(), b, azure.Expected{ReportData: []byte("challenge")})
	})
}
