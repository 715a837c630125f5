package snp

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

// TestConformanceFakePlatform runs the suite on evidence of go-sev-guest's
// fake signer, bound to report data and init-data.
func TestConformanceFakePlatform(t *testing.T) {
	g := snp.Genoa
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
	rd := sha512.Sum384([]byte(`{"nonce":"n","tee-pubkey":{}}`))
	initData := sha256.Sum256([]byte("init-data"))
	r := p.Report(3, rd[:])
	r.HostData = snp.Regularize(initData[:], snp.HostDataSize)
	v, err := New(Options{Roots: p.Roots, VCEKSources: []VCEKSource{}, Now: func() time.Time { return snptest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	verifiertest.Run(t, verifiertest.Case{
		Verifier: v,
		Evidence: p.Evidence(t, r, p.Chain()),
		Expected: verifier.Expected{ReportData: rd[:], InitDataDigest: initData[:]},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}

// TestConformanceUpstreamEvidence runs the suite on upstream's e2e evidence
// against AMD's real roots.
func TestConformanceUpstreamEvidence(t *testing.T) {
	evidence := upstream.Read(t, "trustee/as/snp-evidence.json")
	ev, err := snp.ParseEvidence(evidence)
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Options{VCEKSources: []VCEKSource{}, Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	verifiertest.Run(t, verifiertest.Case{
		Verifier: v,
		Evidence: evidence,
		Expected: verifier.Expected{ReportData: ev.AttestationReport.ReportData},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}

func TestOptionsFromConfig(t *testing.T) {
	opts, err := OptionsFromConfig(map[string]any{
		"tpm_verifier": map[string]any{"anything": 1},
		"snp_verifier": map[string]any{"vcek_sources": []any{
			map[string]any{"type": "OfflineStore", "path": "/var/kds"},
			map[string]any{"type": "KDS", "base_url": "https://kds.example"},
			map[string]any{"type": "OfflineStore"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []VCEKSource{{Type: "OfflineStore", Path: "/var/kds"}, {Type: "KDS", BaseURL: "https://kds.example"}, {Type: "OfflineStore"}}
	if !reflect.DeepEqual(opts.VCEKSources, want) {
		t.Errorf("sources %+v, want %+v", opts.VCEKSources, want)
	}
	if opts, err := OptionsFromConfig(nil); err != nil || opts.VCEKSources != nil {
		t.Errorf("no table: %+v, %v; want upstream's default (nil sources)", opts, err)
	}
	for name, bad := range map[string]any{
		"unknown key":         map[string]any{"vcek_source": []any{}},
		"unknown type":        map[string]any{"vcek_sources": []any{map[string]any{"type": "kds"}}},
		"path on KDS":         map[string]any{"vcek_sources": []any{map[string]any{"type": "KDS", "path": "/x"}}},
		"unknown source key":  map[string]any{"vcek_sources": []any{map[string]any{"type": "KDS", "url": "x"}}},
		"sources not a list":  map[string]any{"vcek_sources": "KDS"},
		"table not an object": "KDS",
	} {
		if _, err := OptionsFromConfig(map[string]any{ConfigKey: bad}); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

// TestDebugGuestAppraisal runs SNP evidence through the Attestation
// Service with our default CPU policy, then appraises the same input with
// upstream's policy: a guest whose policy allows debugging gets the same
// non-affirming vector from both, a locked-down one the same affirming
// vector.
func TestDebugGuestAppraisal(t *testing.T) {
	ctx := context.Background()
	g := snp.Milan
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
	runtimeData := map[string]any{"nonce": "bm9uY2U=", "tee-pubkey": map[string]any{"kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW", "x": "AAAA", "y": "BBBB"}}
	digest, err := kbs.RuntimeDataDigest(kbs.SHA384, runtimeData)
	if err != nil {
		t.Fatal(err)
	}
	rvs := map[string]string{
		"snp_launch_measurement": `["6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a"]`,
		"snp_bootloader":         `[4]`, "snp_microcode": `[213]`, "snp_snp_svn": `[22]`, "snp_tee_svn": `[0]`,
		"snp_smt_enabled": `true`, "snp_tsme_enabled": `false`, "snp_guest_abi_major": `0`, "snp_guest_abi_minor": `0`,
		"snp_single_socket": `false`, "snp_smt_allowed": `true`,
	}
	v, err := New(Options{Roots: p.Roots, VCEKSources: []VCEKSource{}, Now: func() time.Time { return snptest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	svc := verifiertest.NewService(t, map[kbs.Tee]verifier.Verifier{kbs.TeeSnp: v}, rvs)
	upstreamPolicy := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))

	for _, tc := range []struct {
		name          string
		debug         bool
		configuration int
		status        string
	}{
		{"locked down", false, 2, "affirming"},
		{"debug allowed", true, 36, "warning"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Report(3, digest)
			if tc.debug {
				r.Policy |= 1 << 19
			}
			_, err := svc.Evaluate(ctx, []as.VerificationRequest{{Tee: kbs.TeeSnp, Evidence: p.Evidence(t, r, p.Chain()), RuntimeData: runtimeData}}, nil)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			submod := svc.Issuer.Submodules()["cpu0"]
			if got := submod.AnnotatedEvidence["snp"].(map[string]any)["policy_debug_allowed"]; got != tc.debug {
				t.Errorf("policy_debug_allowed claim = %v, want %v", got, tc.debug)
			}
			want := map[string]int{"executables": 3, "hardware": 2, "configuration": tc.configuration,
				"file-system": 0, "instance-identity": 0, "runtime-opaque": 0, "storage-opaque": 0, "sourced-data": 0}
			svc.CheckAppraisal(t, submod, want, tc.status, upstreamPolicy)
		})
	}
}
