package azsnp

import (
	"context"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/azure/azuretest"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

// upstreamTime lies within the validity of the upstream evidence's VCEK.
var upstreamTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// TestConformanceUpstreamEvidence runs the suite on upstream's captures
// against AMD's real roots; each is bound to its report data.
func TestConformanceUpstreamEvidence(t *testing.T) {
	v, err := New(Options{Now: func() time.Time { return upstreamTime }})
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := hex.DecodeString("982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef")
	for file, reportData := range map[string][]byte{
		"evidence-v0.json": []byte("challenge"),
		"evidence-v1.json": []byte("challenge"),
		"evidence-v2.json": v2,
	} {
		t.Run(file, func(t *testing.T) {
			verifiertest.Run(t, verifiertest.Case{
				Verifier: v,
				Evidence: upstream.Read(t, "trustee/verifier/az-snp-vtpm/"+file),
				Expected: verifier.Expected{ReportData: reportData},
				Classes:  []verifier.Class{verifier.ClassCPU},
			})
		})
	}
}

// fakeVM is made once: its RSA and AMD keys are slow to generate.
var (
	fakeOnce sync.Once
	fakeSNP  *azuretest.SNP
)

func fakeVM(t *testing.T) *azuretest.SNP {
	fakeOnce.Do(func() { fakeSNP = azuretest.NewSNP(t) })
	return fakeSNP
}

func fakeVerifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := New(Options{Roots: fakeVM(t).Roots(), Now: func() time.Time { return snptest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConformanceFakePlatform runs the suite on v2 evidence bound to
// report data and init-data.
func TestConformanceFakePlatform(t *testing.T) {
	reportData := make([]byte, 48)
	initData := make([]byte, 32)
	for i := range reportData {
		reportData[i] = byte(i)
	}
	in := azuretest.Inputs{Version: 2, ReportData: reportData, InitDataDigest: initData}
	verifiertest.Run(t, verifiertest.Case{
		Verifier: fakeVerifier(t),
		Evidence: fakeVM(t).Evidence(t, in, nil),
		Expected: verifier.Expected{ReportData: reportData, InitDataDigest: initData},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}

// TestAppraisal runs fake az-snp-vtpm evidence through the Attestation
// Service with our default CPU policy, then appraises the same input with
// upstream's: both affirm it given its reference values (upstream's
// names, the claims' string encodings), and both refuse it without them.
func TestAppraisal(t *testing.T) {
	ctx := context.Background()
	runtimeData := map[string]any{"nonce": "bm9uY2U=", "tee-pubkey": map[string]any{"kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW", "x": "AAAA", "y": "BBBB"}}
	digest, err := kbs.RuntimeDataDigest(kbs.SHA384, runtimeData)
	if err != nil {
		t.Fatal(err)
	}
	evidence := fakeVM(t).Evidence(t, azuretest.Inputs{Version: 2, ReportData: digest}, nil)
	pcr11 := hex.EncodeToString(azuretest.PCRs(nil)[11])
	referenceValues := map[string]string{
		"measurement":    `["ampqampqampqampqampqampqampqampqampqampqampqampqampqampqampqampq"]`,
		"snp_pcr11":      `["` + pcr11 + `"]`,
		"tcb_bootloader": `["4"]`, "tcb_microcode": `["213"]`, "tcb_snp": `["22"]`, "tcb_tee": `["0"]`,
		"smt_enabled": `["true"]`, "tsme_enabled": `["false"]`, "abi_major": `["0"]`, "abi_minor": `["0"]`,
		"single_socket": `["false"]`, "smt_allowed": `["true"]`,
	}
	upstreamPolicy := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	for _, tc := range []struct {
		name   string
		rvs    map[string]string
		vector map[string]int
		status string
	}{
		{"reference values registered", referenceValues, map[string]int{"executables": 3, "hardware": 2, "configuration": 2}, "affirming"},
		{"no reference values", nil, map[string]int{"executables": 33, "hardware": 97, "configuration": 36}, "contraindicated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := verifiertest.NewService(t, map[kbs.Tee]verifier.Verifier{kbs.TeeAzSnpVtpm: fakeVerifier(t)}, tc.rvs)
			req := as.VerificationRequest{Tee: kbs.TeeAzSnpVtpm, Evidence: evidence, RuntimeData: runtimeData}
			if _, err := svc.Evaluate(ctx, []as.VerificationRequest{req}, nil); err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			submod := svc.Issuer.Submodules()["cpu0"]
			want := map[string]int{"file-system": 0, "instance-identity": 0, "runtime-opaque": 0, "storage-opaque": 0, "sourced-data": 0}
			for k, v := range tc.vector {
				want[k] = v
			}
			svc.CheckAppraisal(t, submod, want, tc.status, upstreamPolicy)
		})
	}
}
