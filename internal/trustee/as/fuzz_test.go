package as

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// FuzzEvaluate drives the whole pipeline with untrusted evidence and
// init-data: it must never panic, and a token may only come out of evidence
// bound to the runtime data.
func FuzzEvaluate(f *testing.F) {
	good := guest{}.primary(f)
	f.Add([]byte(good.Evidence), "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"cdh.toml\" = 'a = 1'\n")
	f.Add([]byte(good.Evidence), "")
	f.Add([]byte(`{"svn":"1","report_data":""}`), "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"policy.rego\" = 'policy_data := {\"containers\":[{\"OCI\":{\"Process\":{\"User\":{\"UID\":1}}}}]}'\n")
	f.Add([]byte(`[]`), "[data")
	var goodEvidence sample.Evidence
	if err := json.Unmarshal(good.Evidence, &goodEvidence); err != nil {
		f.Fatal(err)
	}
	reportData := goodEvidence.ReportData
	svc, issuer := newTestService(f, DefaultConfig(), sampleRVs)
	f.Fuzz(func(t *testing.T, evidence []byte, initData string) {
		req := guest{}.primary(t)
		req.Evidence = evidence
		if initData != "" {
			req.InitData = &kbs.InitData{Format: "toml", Body: initData}
		}
		tok, err := svc.Evaluate(context.Background(), []VerificationRequest{req}, nil)
		if err != nil {
			return
		}
		if tok == "" || issuer.Submodules()["cpu0"].TrustVector == nil {
			t.Fatalf("success without a token: %q", tok)
		}
		// Whatever else the evidence holds, it is bound to the runtime data.
		if got := issuer.Submodules()["cpu0"].AnnotatedEvidence["report_data"]; got != reportData {
			t.Fatalf("token issued for report_data %v, want %v", got, reportData)
		}
	})
}
