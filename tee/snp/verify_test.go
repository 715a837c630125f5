package snp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

// upstreamNow is inside the validity of upstream's certificates (2023-2030).
var upstreamNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func amdVerifier(t testing.TB, sources ...snp.VCEKSource) *snp.Verifier {
	t.Helper()
	v, err := snp.NewVerifier(snp.VerifierOptions{Sources: sources, Now: func() time.Time { return upstreamNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func fakeVerifier(t testing.TB, p *snptest.Platform, sources ...snp.VCEKSource) *snp.Verifier {
	t.Helper()
	v, err := snp.NewVerifier(snp.VerifierOptions{Roots: p.Roots, Sources: sources, Now: func() time.Time { return snptest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// verifyAndValidate is the whole check the Attestation Service makes.
func verifyAndValidate(v *snp.Verifier, evidence []byte, want snp.Expected) (*snp.Verified, error) {
	ev, err := snp.ParseEvidence(evidence)
	if err != nil {
		return nil, err
	}
	verified, err := v.Verify(context.Background(), ev)
	if err != nil {
		return nil, err
	}
	return verified, snp.Validate(verified.Report, want)
}

// milanEvidence is upstream's Milan test report with its VCEK as the
// host's certificate chain.
func milanEvidence(t testing.TB, report, vcek []byte) ([]byte, *snp.AttestationReport) {
	t.Helper()
	r, err := snp.ParseReport(report)
	if err != nil {
		t.Fatalf("ParseReport: %v", err)
	}
	b, err := json.Marshal(snp.Evidence{AttestationReport: *r, CertChain: []snp.CertTableEntry{
		{CertType: snp.CertType{Name: snp.CertVCEK}, Data: vcek},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b, r
}

func TestVerifyUpstreamMilanReport(t *testing.T) {
	evidence, r := milanEvidence(t, upstream.Read(t, milanReport), upstream.Read(t, milanVCEK))
	verified, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: r.ReportData})
	if err != nil {
		t.Fatalf("upstream Milan report refused: %v", err)
	}
	if verified.Generation != snp.Milan {
		t.Errorf("generation %v, want Milan", verified.Generation)
	}
	if err := snp.CheckEndorsementDER(r, snp.Milan, upstream.Read(t, milanVCEK)); err != nil {
		t.Errorf("TCB and chip id against the VCEK: %v", err)
	}
}

// TestUpstreamMilanReportCorrupted follows upstream's negative tests (byte
// 42 breaks the signature, byte 384 the reported TCB) and adds a flipped
// signature byte and a flipped certificate byte.
func TestUpstreamMilanReportCorrupted(t *testing.T) {
	report, vcek := upstream.Read(t, milanReport), upstream.Read(t, milanVCEK)
	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at]++
		return c
	}

	t.Run("signed body", func(t *testing.T) {
		evidence, r := milanEvidence(t, flip(report, 42), vcek)
		if _, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: r.ReportData}); !errors.Is(err, snp.ErrSignature) {
			t.Errorf("err = %v, want ErrSignature", err)
		}
	})
	t.Run("reported TCB", func(t *testing.T) {
		r, err := snp.ParseReport(flip(report, 384))
		if err != nil {
			t.Fatal(err)
		}
		if err := snp.CheckEndorsementDER(r, snp.Milan, vcek); !errors.Is(err, snp.ErrTCBMismatch) {
			t.Errorf("TCB check: err = %v, want ErrTCBMismatch", err)
		}
		evidence, _ := milanEvidence(t, flip(report, 384), vcek)
		if _, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: r.ReportData}); err == nil {
			t.Error("report with another reported TCB verified")
		}
	})
	t.Run("signature", func(t *testing.T) {
		evidence, r := milanEvidence(t, flip(report, 0x2A0+10), vcek)
		if _, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: r.ReportData}); !errors.Is(err, snp.ErrSignature) {
			t.Errorf("err = %v, want ErrSignature", err)
		}
	})
	// Upstream flips byte 42 of the VCEK and expects the chain to fail;
	// Go's parser already refuses it (it lands in the inner signature
	// algorithm), so the last bytes, in the ASK's signature, are flipped too.
	for _, at := range []int{42, len(vcek) - 10} {
		evidence, r := milanEvidence(t, report, flip(vcek, at))
		_, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: r.ReportData})
		if !errors.Is(err, snp.ErrUntrustedEndorsementKey) && !errors.Is(err, snp.ErrEndorsementKeyFormat) {
			t.Errorf("VCEK byte %d flipped: err = %v, want ErrUntrustedEndorsementKey or ErrEndorsementKeyFormat", at, err)
		}
	}
}

// TestUpstreamVCEKHardwareIDEncodings: upstream's two "invalid" VCEKs carry
// the hardware id raw (legacy) and as a DER OCTET STRING (new); both parse,
// but neither chains to AMD's roots.
func TestUpstreamVCEKHardwareIDEncodings(t *testing.T) {
	_, r := milanEvidence(t, upstream.Read(t, milanReport), upstream.Read(t, milanVCEK))
	for _, name := range []string{milanVCEK, legacyHWIDVCEK, newHWIDVCEK} {
		der := upstream.Read(t, name)
		ext, err := snp.EndorsementExtensions(der)
		if err != nil {
			t.Errorf("%s: extensions: %v", name, err)
			continue
		}
		if len(ext.HWID()) != snp.ChipIDSize {
			t.Errorf("%s: hardware id of %d bytes", name, len(ext.HWID()))
		}
		evidence, _ := milanEvidence(t, upstream.Read(t, milanReport), der)
		_, err = verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: r.ReportData})
		if name == milanVCEK && err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
		if name != milanVCEK && err == nil {
			t.Errorf("%s verified", name)
		}
	}
}

func TestVerifyUpstreamE2EEvidence(t *testing.T) {
	evidence := upstream.Read(t, e2eEvidence)
	ev, err := snp.ParseEvidence(evidence)
	if err != nil {
		t.Fatal(err)
	}
	verified, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: ev.AttestationReport.ReportData})
	if err != nil {
		t.Fatalf("upstream e2e evidence refused: %v", err)
	}
	if verified.Generation != snp.Genoa {
		t.Errorf("generation %v, want Genoa", verified.Generation)
	}
	got, _ := json.Marshal(snp.Claims(verified.Report))
	want := `{"chip_id":"371c55d6d15cb50f16dc31d39a24e300caaabff4431e841111429b73ec45ad67ea6e687ffae7bf84b54a5d0e6d79b3ef6ff0bd8b4cff94c2163af5c5de8718e8",` +
		`"init_data":"0000000000000000000000000000000000000000000000000000000000000000",` +
		`"measurement":"6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e",` +
		`"platform_smt_enabled":true,"platform_tsme_enabled":false,"policy_abi_major":0,"policy_abi_minor":0,` +
		`"policy_debug_allowed":false,"policy_migrate_ma":false,"policy_single_socket":false,"policy_smt_allowed":true,` +
		`"report_data":"7e7320889600c7ac133aea7b896c51f41026002982292a7369559796999c1bf929eef3ff23c46e858f0b1982f9a92b17c51b578d958cde6b0c92978f150cf9b0",` +
		`"reported_tcb_bootloader":10,"reported_tcb_microcode":25,"reported_tcb_snp":23,"reported_tcb_tee":0}`
	if string(got) != want {
		t.Errorf("claims\n got %s\nwant %s", got, want)
	}
}

// TestFakePlatforms: reports of every version and generation, signed by
// go-sev-guest's fake AMD signer, verify with its roots and not with AMD's.
func TestFakePlatforms(t *testing.T) {
	nonce := sha512.Sum384([]byte("runtime data"))
	for _, g := range snp.Generations {
		p := snptest.NewPlatform(t, g, snptest.ChipID(g, 7), snptest.DefaultTCB(g))
		for version := uint32(2); version <= 5; version++ {
			evidence := p.Evidence(t, p.Report(version, nonce[:]), p.Chain())
			verified, err := verifyAndValidate(fakeVerifier(t, p), evidence, snp.Expected{ReportData: nonce[:]})
			if err != nil {
				t.Errorf("%v v%d refused: %v", g, version, err)
				continue
			}
			if verified.Generation != g {
				t.Errorf("%v v%d: generation %v", g, version, verified.Generation)
			}
			if _, err := verifyAndValidate(amdVerifier(t), evidence, snp.Expected{ReportData: nonce[:]}); !errors.Is(err, snp.ErrUntrustedEndorsementKey) {
				t.Errorf("%v v%d with AMD's roots: err = %v, want ErrUntrustedEndorsementKey", g, version, err)
			}
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	g := snp.Genoa
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
	otherChip := snptest.NewPlatform(t, g, snptest.ChipID(g, 2), snptest.DefaultTCB(g))
	olderTCB := snptest.DefaultTCB(g)
	olderTCB.SNP--
	otherTCB := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), olderTCB)
	nonce := sha512.Sum384([]byte("nonce"))
	initData := sha256.Sum256([]byte("init-data"))
	withHostData := func(r *snp.AttestationReport) *snp.AttestationReport {
		r.HostData = snp.Regularize(initData[:], snp.HostDataSize)
		return r
	}
	good := withHostData(p.Report(3, nonce[:]))
	vlekSigned := p.Report(3, nonce[:])
	vlekSigned.KeyInfo = 1 << 2

	tests := []struct {
		name     string
		evidence []byte
		want     snp.Expected
		err      error
	}{
		{"bound to another nonce", p.Evidence(t, p.Report(3, []byte("other")), p.Chain()), snp.Expected{ReportData: nonce[:]}, snp.ErrReportDataMismatch},
		{"no expected report data", p.Evidence(t, p.Report(3, nonce[:]), p.Chain()), snp.Expected{}, snp.ErrNoExpectedReportData},
		{"other init-data", p.Evidence(t, p.Report(3, nonce[:]), p.Chain()), snp.Expected{ReportData: nonce[:], InitDataDigest: initData[:]}, snp.ErrHostDataMismatch},
		{"VCEK of another chip", p.Evidence(t, p.Report(3, nonce[:]), otherChip.Chain()), snp.Expected{ReportData: nonce[:]}, snp.ErrChipIDMismatch},
		{"VCEK of another TCB", p.Evidence(t, p.Report(3, nonce[:]), otherTCB.Chain()), snp.Expected{ReportData: nonce[:]}, snp.ErrTCBMismatch},
		{"VMPL 1", p.Evidence(t, func() *snp.AttestationReport { r := p.Report(3, nonce[:]); r.VMPL = 1; return r }(), p.Chain()), snp.Expected{ReportData: nonce[:]}, snp.ErrVMPL},
		{"chain without the VCEK", p.Evidence(t, p.Report(3, nonce[:]), p.Chain()[2:]), snp.Expected{ReportData: nonce[:]}, snp.ErrNoEndorsementKey},
		{"empty chain", p.Evidence(t, p.Report(3, nonce[:]), []snp.CertTableEntry{}), snp.Expected{ReportData: nonce[:]}, snp.ErrNoEndorsementKey},
		{"no chain and no source", p.Evidence(t, p.Report(3, nonce[:]), nil), snp.Expected{ReportData: nonce[:]}, snp.ErrNoEndorsementKey},
		{"VLEK-signed without a chain", p.Evidence(t, vlekSigned, nil), snp.Expected{ReportData: nonce[:]}, snp.ErrNoEndorsementKey},
		{"signed by the VCEK, claiming the VLEK", func() []byte {
			b := p.Evidence(t, p.Report(3, nonce[:]), p.Chain())
			return bytes.Replace(b, []byte(`"key_info":0`), []byte(`"key_info":4`), 1)
		}(), snp.Expected{ReportData: nonce[:]}, snp.ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := verifyAndValidate(fakeVerifier(t, p), tc.evidence, tc.want); !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}

	t.Run("bindings hold", func(t *testing.T) {
		for _, digest := range [][]byte{initData[:], append(initData[:], 1, 2, 3)} { // longer digests are truncated
			if _, err := verifyAndValidate(fakeVerifier(t, p), p.Evidence(t, good, p.Chain()), snp.Expected{ReportData: nonce[:], InitDataDigest: digest}); err != nil {
				t.Errorf("init-data digest of %d bytes: %v", len(digest), err)
			}
		}
		if _, err := verifyAndValidate(fakeVerifier(t, p), p.Evidence(t, vlekSigned, p.Chain()), snp.Expected{ReportData: nonce[:]}); err != nil {
			t.Errorf("VLEK-signed report refused: %v", err)
		}
	})
}

func TestVerifyMaskedChipID(t *testing.T) {
	g := snp.Milan
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
	nonce := []byte("nonce")
	masked := p.Report(3, nonce)
	masked.KeyInfo = 1 << 1
	masked.ChipID = make(snp.Bytes, snp.ChipIDSize)
	if _, err := verifyAndValidate(fakeVerifier(t, p), p.Evidence(t, masked, p.Chain()), snp.Expected{ReportData: nonce}); err != nil {
		t.Errorf("report with a masked chip id refused: %v", err)
	}
	unmaskedZero := p.Report(3, nonce)
	unmaskedZero.ChipID = make(snp.Bytes, snp.ChipIDSize)
	if _, err := verifyAndValidate(fakeVerifier(t, p), p.Evidence(t, unmaskedZero, p.Chain()), snp.Expected{ReportData: nonce}); !errors.Is(err, snp.ErrChipIDMismatch) {
		t.Errorf("zero chip id without the mask bit: err = %v, want ErrChipIDMismatch", err)
	}
}

// TestVerifyCertificateValidity: a cached endorsement key is checked
// against the clock on every use.
func TestVerifyCertificateValidity(t *testing.T) {
	g := snp.Genoa
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
	now := snptest.Now
	v, err := snp.NewVerifier(snp.VerifierOptions{Roots: p.Roots, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	nonce := []byte("n")
	evidence := p.Evidence(t, p.Report(3, nonce), p.Chain())
	if _, err := verifyAndValidate(v, evidence, snp.Expected{ReportData: nonce}); err != nil {
		t.Fatal(err)
	}
	now = p.Signer.Vcek.NotAfter.Add(time.Hour)
	if _, err := verifyAndValidate(v, evidence, snp.Expected{ReportData: nonce}); !errors.Is(err, snp.ErrUntrustedEndorsementKey) {
		t.Errorf("after the VCEK expired: err = %v, want ErrUntrustedEndorsementKey", err)
	}
}

func TestClaimsDebugPolicy(t *testing.T) {
	g := snp.Milan
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
	r := p.Report(3, nil)
	r.Policy |= 1<<19 | 1<<18 | 1<<20 | 0x0102
	r.PlatInfo = 0x2
	c := snp.Claims(r)
	for k, want := range map[string]any{
		"policy_debug_allowed": true, "policy_migrate_ma": true, "policy_single_socket": true,
		"policy_abi_major": 1, "policy_abi_minor": 2, "platform_tsme_enabled": true, "platform_smt_enabled": false,
	} {
		if c[k] != want {
			t.Errorf("%s = %v, want %v", k, c[k], want)
		}
	}
}
