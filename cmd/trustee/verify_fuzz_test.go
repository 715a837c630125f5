package main

import (
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// FuzzEvidenceReportData: whatever the evidence file holds, reading its
// report data gives bytes or an error, never a panic.
func FuzzEvidenceReportData(f *testing.F) {
	tees := []protocol.Tee{protocol.TeeSample, protocol.TeeSnp, protocol.TeeTdx, protocol.TeeTpm, protocol.TeeCca}
	f.Add(uint8(0), []byte(sample.NewEvidence(sample.CPUSVN, []byte("abc"))))
	f.Add(uint8(1), upstream.Read(f, "trustee/as/snp-evidence.json"))
	f.Add(uint8(2), []byte(`{"cc_eventlog":null,"quote":"BAACAIEAAAA="}`))
	f.Add(uint8(3), upstream.Read(f, "trustee/verifier/tpm_evidence.json"))
	f.Add(uint8(4), []byte(`{}`))
	f.Fuzz(func(t *testing.T, which uint8, evidence []byte) {
		_, _ = evidenceReportData(tees[int(which)%len(tees)], evidence)
	})
}
