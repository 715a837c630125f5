package azure_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/azure"
)

// v0 and v1 of the same upstream capture decode to the same evidence.
func TestParseVersionsAgree(t *testing.T) {
	v0, err := azure.ParseTDXEvidence(upstream.Read(t, tdxDir+"evidence-v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := azure.ParseTDXEvidence(upstream.Read(t, tdxDir+"evidence-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if v0.Version != azure.VersionLegacy || v1.Version != azure.VersionV1 {
		t.Errorf("versions %d and %d", v0.Version, v1.Version)
	}
	if !bytes.Equal(v0.TDQuote, upstream.Read(t, tdxDir+"td-quote.bin")) || len(v0.TPMQuote.PCRs) != 24 {
		t.Error("v0 TD quote or PCRs differ from the capture")
	}
	snp0, err := azure.ParseSNPEvidence(upstream.Read(t, snpDir+"evidence-v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	snp1, err := azure.ParseSNPEvidence(upstream.Read(t, snpDir+"evidence-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Two captures on one chip: the VCEK in PEM (v0) and base64url DER (v1).
	if !bytes.Equal(snp0.VCEK, snp1.VCEK) || len(snp0.HCLReport) != len(snp1.HCLReport) {
		t.Error("v0 and v1 decode to different VCEKs or HCL report sizes")
	}
}

// Marshalling and parsing again gives the same evidence.
func TestEvidenceRoundTrip(t *testing.T) {
	ev, err := azure.ParseSNPEvidence(upstream.Read(t, snpDir+"evidence-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	again, err := azure.ParseSNPEvidence(b)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != 2 || !bytes.Equal(again.HCLReport, ev.HCLReport) || !bytes.Equal(again.TPMQuote.Message, ev.TPMQuote.Message) {
		t.Error("round trip changed the evidence")
	}
	ev.Version = azure.VersionLegacy
	if _, err := json.Marshal(ev); err == nil {
		t.Error("v0 evidence encoded")
	}
}

func TestParseRefusals(t *testing.T) {
	v1 := string(upstream.Read(t, snpDir+"evidence-v1.json"))
	withVersion := func(v string) string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(v1), &m); err != nil {
			t.Fatal(err)
		}
		m["version"] = json.RawMessage(v)
		b, _ := json.Marshal(m)
		return string(b)
	}
	for name, doc := range map[string]string{
		"not JSON":                 "{",
		"array":                    "[]",
		"unknown version":          withVersion("3"),
		"version as string":        withVersion(`"1"`),
		"null version":             withVersion("null"),
		"null quote":               `{"version":1,"tpm_quote":null,"hcl_report":"","vcek":""}`,
		"hex signature in v0 form": `{"quote":{"signature":"00","message":[],"pcrs":[]},"report":[],"vcek":""}`,
		"byte out of range":        `{"quote":{"signature":[256],"message":[],"pcrs":[]},"report":[],"vcek":""}`,
		"v0 without PEM":           `{"quote":{"signature":[],"message":[],"pcrs":[]},"report":[],"vcek":"MIIB"}`,
		"base64 with newline":      `{"version":1,"tpm_quote":{"signature":"","message":"","pcrs":[]},"hcl_report":"AA\nAA","vcek":"AAAA"}`,
		"standard base64":          `{"version":1,"tpm_quote":{"signature":"","message":"","pcrs":[]},"hcl_report":"+/+/","vcek":"AAAA"}`,
		"odd hex":                  `{"version":1,"tpm_quote":{"signature":"0","message":"","pcrs":[]},"hcl_report":"AAAA","vcek":"AAAA"}`,
		"pcrs not an array":        `{"version":1,"tpm_quote":{"signature":"","message":"","pcrs":"00"},"hcl_report":"AAAA","vcek":"AAAA"}`,
	} {
		if _, err := azure.ParseSNPEvidence([]byte(doc)); !errors.Is(err, azure.ErrMalformedEvidence) {
			t.Errorf("%s: got %v, want %v", name, err, azure.ErrMalformedEvidence)
		}
	}
	// Unpadded base64url is read too.
	unpadded := strings.Replace(v1, `AAA=`, `AAA`, 1)
	if _, err := azure.ParseSNPEvidence([]byte(unpadded)); err != nil {
		t.Errorf("unpadded base64url: %v", err)
	}
}

func TestParseHCLReportRefusals(t *testing.T) {
	good := upstream.Read(t, snpDir+"hcl-report.bin")
	edit := func(off int, v byte) []byte {
		b := bytes.Clone(good)
		b[off] = v
		return b
	}
	for name, b := range map[string][]byte{
		"empty":               nil,
		"header only":         good[:32],
		"request data cut":    good[:0x4d0],
		"not HCLA":            edit(0, 'X'),
		"unknown report type": edit(0x4c8, 3),
		"SHA-384 var-data":    edit(0x4cc, 2),
		"var-data overruns":   edit(0x4d3, 0x10),
	} {
		if _, err := azure.ParseHCLReport(b); !errors.Is(err, azure.ErrMalformedHCLReport) {
			t.Errorf("%s: got %v, want %v", name, err, azure.ErrMalformedHCLReport)
		}
	}
}
