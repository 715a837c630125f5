package azure_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

const (
	snpDir = "trustee/verifier/az-snp-vtpm/"
	tdxDir = "trustee/verifier/az-tdx-vtpm/"
	// v2ReportData is the report data evidence-v2.json is bound to.
	v2ReportData = "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef"
)

// upstreamTime lies within the validity of the upstream vectors' VCEKs
// (vcek.pem 2023-2030, the evidence's 2025-01-28 to 2032) and PCK chain
// (2023-2030).
var upstreamTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func snpVerifier(t testing.TB) *azure.SNPVerifier {
	t.Helper()
	v, err := azure.NewSNPVerifier(azure.SNPOptions{Now: func() time.Time { return upstreamTime }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upstreamSNPClaims are the claim names upstream's az-snp-vtpm verifier
// returns.
var upstreamSNPClaims = []string{
	"init_data", "measurement", "platform_smt_enabled", "platform_tsme_enabled",
	"policy_abi_major", "policy_abi_minor", "policy_debug_allowed", "policy_migrate_ma",
	"policy_single_socket", "policy_smt_allowed", "report_data", "reported_tcb_bootloader",
	"reported_tcb_microcode", "reported_tcb_snp", "reported_tcb_tee", "tpm",
}

// The asserted values of upstream's test_evaluate and test_evaluate_v2.
func TestUpstreamSNPEvidence(t *testing.T) {
	v := snpVerifier(t)
	for _, c := range []struct {
		file       string
		reportData []byte
		pcr00      string
	}{
		{"evidence-v0.json", []byte("challenge"), "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"},
		{"evidence-v1.json", []byte("challenge"), "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"},
		{"evidence-v2.json", mustHex(t, v2ReportData), "84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7"},
	} {
		t.Run(c.file, func(t *testing.T) {
			claims, err := v.Verify(context.Background(), upstream.Read(t, snpDir+c.file), azure.Expected{ReportData: c.reportData})
			if err != nil {
				t.Fatal(err)
			}
			if got := claims["report_data"]; got != hex.EncodeToString(c.reportData) {
				t.Errorf("report_data = %v, want %x", got, c.reportData)
			}
			tpmClaims := claims["tpm"].(map[string]any)
			if got := tpmClaims["pcr00"]; got != c.pcr00 {
				t.Errorf("tpm.pcr00 = %v, want %s", got, c.pcr00)
			}
			if len(tpmClaims) != 24 || claims["init_data"] != tpmClaims["pcr08"] {
				t.Errorf("tpm claims: %d PCRs, init_data %v, pcr08 %v", len(tpmClaims), claims["init_data"], tpmClaims["pcr08"])
			}
			if got := slices.Sorted(maps.Keys(claims)); !slices.Equal(got, upstreamSNPClaims) {
				t.Errorf("claim names %v, want %v", got, upstreamSNPClaims)
			}
			// Upstream's encodings: strings for numbers and booleans.
			for name, want := range map[string]string{
				"policy_abi_minor": "31", "policy_debug_allowed": "false", "policy_smt_allowed": "true",
				"reported_tcb_snp": "24", "reported_tcb_microcode": "219", "platform_smt_enabled": "true",
			} {
				if claims[name] != want {
					t.Errorf("%s = %#v, want %q", name, claims[name], want)
				}
			}
		})
	}
}

func TestUpstreamSNPEvidenceRefusals(t *testing.T) {
	v := snpVerifier(t)
	for _, c := range []struct {
		name, file string
		reportData []byte
		want       error
	}{
		{"v1 bound to other report data", "evidence-v1.json", []byte("challengf"), tpm.ErrNonceMismatch},
		{"v2 bound to other report data (123abc)", "evidence-v2.json", mustHex(t, "123abc"), tpm.ErrNonceMismatch},
		{"no report data", "evidence-v1.json", nil, azure.ErrNoExpectedReportData},
	} {
		_, err := v.Verify(context.Background(), upstream.Read(t, snpDir+c.file), azure.Expected{ReportData: c.reportData})
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

// upstreamV1 builds v1 evidence from hcl-report.bin, tpm-quote-v1.json and
// vcek.pem (whose first certificate is the VCEK), bound to "challenge".
func upstreamV1(t testing.TB, edit func(hcl, vcek []byte)) []byte {
	t.Helper()
	var quote map[string]any
	if err := json.Unmarshal(upstream.Read(t, snpDir+"tpm-quote-v1.json"), &quote); err != nil {
		t.Fatal(err)
	}
	hcl := bytes.Clone(upstream.Read(t, snpDir+"hcl-report.bin"))
	block, _ := pem.Decode(upstream.Read(t, snpDir+"vcek.pem"))
	if block == nil {
		t.Fatal("vcek.pem: no PEM block")
	}
	vcek := bytes.Clone(block.Bytes)
	if edit != nil {
		edit(hcl, vcek)
	}
	ev := &azure.SNPEvidence{Version: azure.VersionV1, HCLReport: hcl, VCEK: vcek}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	// Splice in the quote as upstream wrote it.
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["tpm_quote"] = quote
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Upstream's test_verify_snp_report and its failure case, end to end.
func TestUpstreamHCLReportAndVCEK(t *testing.T) {
	v := snpVerifier(t)
	want := azure.Expected{ReportData: []byte("challenge")}
	if _, err := v.Verify(context.Background(), upstreamV1(t, nil), want); err != nil {
		t.Fatalf("hcl-report.bin with tpm-quote-v1.json and vcek.pem: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(hcl, vcek []byte)
		want error
	}{
		// Upstream checks the TCB before the signature and says "SNP
		// version mismatch"; tee/snp checks the signature first, which no
		// longer covers the report. TestReportedTCBOtherThanVCEKs shows
		// the TCB check on a report the chip did sign.
		{"reported TCB SNP SVN zeroed (byte 0x1a6)", func(hcl, _ []byte) { hcl[0x1a6] = 0 }, snp.ErrSignature},
		{"report signature byte flipped", func(hcl, _ []byte) { hcl[0x20+0x2a0+5] ^= 1 }, snp.ErrSignature},
		{"measurement byte flipped", func(hcl, _ []byte) { hcl[0x20+0x90] ^= 1 }, snp.ErrSignature},
		{"VMPL changed", func(hcl, _ []byte) { hcl[0x20+0x30] = 1 }, snp.ErrSignature},
		{"var-data byte changed", func(hcl, _ []byte) { hcl[0x06e0]++ }, azure.ErrVarDataMismatch},
		{"AK changed", func(hcl, _ []byte) { hcl[0x4d4+100] ^= 1 }, tpm.ErrBadSignature},
		{"VCEK signature byte flipped", func(_, vcek []byte) { vcek[len(vcek)-10] ^= 1 }, snp.ErrUntrustedEndorsementKey},
		{"VCEK subject byte flipped", func(_, vcek []byte) { vcek[bytes.LastIndex(vcek, []byte("Santa Clara"))] ^= 1 }, snp.ErrUntrustedEndorsementKey},
		{"VCEK extension byte flipped", func(_, vcek []byte) { vcek[len(vcek)/2] ^= 1 }, snp.ErrEndorsementKeyFormat},
	} {
		_, err := v.Verify(context.Background(), upstreamV1(t, c.edit), want)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

// The upstream evidence is signed by AMD: it verifies under AMD's roots
// only, and the VCEK's validity pins the time.
func TestUpstreamSNPEvidenceUnderOtherRootsOrTime(t *testing.T) {
	evidence := upstream.Read(t, snpDir+"evidence-v1.json")
	want := azure.Expected{ReportData: []byte("challenge")}
	for _, at := range []time.Time{
		time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), // before the VCEK was issued
		time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC), // after it expired
	} {
		v, err := azure.NewSNPVerifier(azure.SNPOptions{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), evidence, want); !errors.Is(err, snp.ErrUntrustedEndorsementKey) {
			t.Errorf("at %v: got %v, want %v", at, err, snp.ErrUntrustedEndorsementKey)
		}
	}
	fake, err := azure.NewSNPVerifier(azure.SNPOptions{Roots: fakeSNP(t).Roots(), Now: func() time.Time { return upstreamTime }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Verify(context.Background(), evidence, want); !errors.Is(err, snp.ErrUntrustedEndorsementKey) {
		t.Errorf("under fake roots: got %v, want %v", err, snp.ErrUntrustedEndorsementKey)
	}
}

// intelRoot is Intel's SGX root CA as carried by another upstream quote
// (tdx_quote_4.dat), so the Azure quote is not trusted on its own say.
func intelRoot(t testing.TB) *x509.CertPool {
	t.Helper()
	q, err := tdx.ParseQuote(upstream.Read(t, "trustee/verifier/tdx_quote_4.dat"))
	if err != nil {
		t.Fatal(err)
	}
	pck, err := tdx.ParsePCKChain(q.PCKChain)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(pck.Root)
	return pool
}

// offlineDCAP verifies what DCAP can offline: the PCK chain to Intel's
// root, the QE report and the quote signature, and the report data. The
// TCB status needs Intel's collateral for the quote's platform, which
// these vectors lack; upstream's evaluate tests of az-tdx-vtpm are
// #[ignore]d for the same reason (they fetch it from Intel's PCS).
type offlineDCAP struct{ roots *x509.CertPool }

func (o offlineDCAP) Appraise(_ context.Context, evidence []byte, want tdx.Expected) (map[string]any, error) {
	raw, _, err := tdx.ParseEvidence(evidence)
	if err != nil {
		return nil, err
	}
	q, err := tdx.ParseQuote(raw)
	if err != nil {
		return nil, err
	}
	pck, err := tdx.VerifyQuote(q, o.roots, upstreamTime)
	if err != nil {
		return nil, err
	}
	if err := tdx.CheckReportData(q, want.ReportData); err != nil {
		return nil, err
	}
	return tdx.Claims(q, pck, nil), nil
}

// Upstream's (ignored) test_evaluate values, without the TCB status.
func TestUpstreamTDXEvidenceOffline(t *testing.T) {
	v := &azure.TDXVerifier{Appraiser: offlineDCAP{roots: intelRoot(t)}}
	for _, file := range []string{"evidence-v0.json", "evidence-v1.json"} {
		t.Run(file, func(t *testing.T) {
			claims, err := v.Verify(context.Background(), upstream.Read(t, tdxDir+file), azure.Expected{ReportData: []byte("challenge")})
			if err != nil {
				t.Fatal(err)
			}
			if claims["report_data"] != "6368616c6c656e6765" {
				t.Errorf("report_data = %v", claims["report_data"])
			}
			if got := claims["tpm"].(map[string]any)["pcr00"]; got != "782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273" {
				t.Errorf("tpm.pcr00 = %v", got)
			}
			quote := claims["quote"].(map[string]any)
			if h := quote["header"].(map[string]any); h["tee_type"] != "81000000" || h["vendor_id"] != "939a7233f79c4ca9940a0db3957f0607" {
				t.Errorf("quote.header = %v", h)
			}
		})
	}
}

func TestUpstreamTDXEvidenceRefusals(t *testing.T) {
	evidence := upstream.Read(t, tdxDir+"evidence-v1.json")
	want := azure.Expected{ReportData: []byte("challenge")}
	ev, err := azure.ParseTDXEvidence(evidence)
	if err != nil {
		t.Fatal(err)
	}
	reencode := func(edit func(*azure.TDXEvidence)) []byte {
		c := *ev
		c.HCLReport, c.TDQuote = bytes.Clone(ev.HCLReport), bytes.Clone(ev.TDQuote)
		c.TPMQuote.Signature = bytes.Clone(ev.TPMQuote.Signature)
		edit(&c)
		b, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	intel := &azure.TDXVerifier{Appraiser: offlineDCAP{roots: intelRoot(t)}}
	if _, err := intel.Verify(context.Background(), reencode(func(*azure.TDXEvidence) {}), want); err != nil {
		t.Fatalf("evidence re-encoded as is: %v", err)
	}
	for _, c := range []struct {
		name     string
		evidence []byte
		verifier *azure.TDXVerifier
		want     error
	}{
		{"TD quote signature byte flipped", reencode(func(e *azure.TDXEvidence) { e.TDQuote[48+584+4+10] ^= 1 }), intel, tdx.ErrBadSignature},
		{"TD quote MRTD byte flipped", reencode(func(e *azure.TDXEvidence) { e.TDQuote[48+136] ^= 1 }), intel, tdx.ErrBadSignature},
		{"var-data byte changed", reencode(func(e *azure.TDXEvidence) { e.HCLReport[0x0880]++ }), intel, azure.ErrVarDataMismatch},
		{"vTPM quote signature byte flipped", reencode(func(e *azure.TDXEvidence) { e.TPMQuote.Signature[0] ^= 1 }), intel, tpm.ErrBadSignature},
		{"SNP HCL report", reencode(func(e *azure.TDXEvidence) { e.HCLReport = upstream.Read(t, snpDir+"hcl-report.bin") }), intel, azure.ErrReportType},
		{"under a fake SGX root", reencode(func(*azure.TDXEvidence) {}), &azure.TDXVerifier{Appraiser: offlineDCAP{roots: fakeTDX(t).Platform.Roots()}}, tdx.ErrUntrustedChain},
	} {
		_, err := c.verifier.Verify(context.Background(), c.evidence, want)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}
