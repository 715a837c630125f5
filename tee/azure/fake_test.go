package azure_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/azure/azuretest"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// The fake platforms are slow to make (RSA and AMD keys): one of each.
var (
	fakeSNP = onceFor(azuretest.NewSNP)
	fakeTDX = onceFor(azuretest.NewTDX)
)

func onceFor[T any](make func(testing.TB) T) func(testing.TB) T {
	var once sync.Once
	var v T
	return func(t testing.TB) T {
		once.Do(func() { v = make(t) })
		return v
	}
}

func fakeSNPVerifier(t testing.TB) *azure.SNPVerifier {
	t.Helper()
	v, err := azure.NewSNPVerifier(azure.SNPOptions{Roots: fakeSNP(t).Roots(), Now: func() time.Time { return snptest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var (
	runtimeDigest  = bytes.Repeat([]byte{0xd1}, 48)
	initDataDigest = bytes.Repeat([]byte{0x1d}, 32)
)

func TestFakeSNPEvidenceVerifies(t *testing.T) {
	v := fakeSNPVerifier(t)
	for _, version := range []int{azure.VersionV1, azure.VersionUserData} {
		in := azuretest.Inputs{Version: version, ReportData: runtimeDigest, InitDataDigest: initDataDigest}
		evidence := fakeSNP(t).Evidence(t, in, nil)
		claims, err := v.Verify(context.Background(), evidence, azure.Expected{ReportData: runtimeDigest, InitDataDigest: initDataDigest})
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		pcr8 := tpm.InitDataPCRValue(initDataDigest)
		if claims["init_data"] != hexOf(pcr8[:]) || claims["report_data"] != hexOf(runtimeDigest) {
			t.Errorf("v%d: init_data %v, report_data %v", version, claims["init_data"], claims["report_data"])
		}
	}
}

func TestFakeSNPEvidenceRefusals(t *testing.T) {
	v := fakeSNPVerifier(t)
	good := azure.Expected{ReportData: runtimeDigest, InitDataDigest: initDataDigest}
	base := azuretest.Inputs{Version: azure.VersionUserData, ReportData: runtimeDigest, InitDataDigest: initDataDigest}
	otherTCB := snptest.DefaultTCB(snp.Milan)
	otherTCB.SNP--
	for _, c := range []struct {
		name string
		in   azuretest.Inputs
		edit func(*snp.AttestationReport)
		want azure.Expected
		err  error
	}{
		{"other init-data", base, nil, azure.Expected{ReportData: runtimeDigest, InitDataDigest: bytes.Repeat([]byte{0x1e}, 32)}, tpm.ErrInitDataMismatch},
		{"no init-data in PCR 8", azuretest.Inputs{Version: 2, ReportData: runtimeDigest}, nil, good, tpm.ErrInitDataMismatch},
		{"SHA-384 init-data digest", base, nil, azure.Expected{ReportData: runtimeDigest, InitDataDigest: make([]byte, 48)}, tpm.ErrInitDataAlgorithm},
		{"user-data of another request (v2)", azuretest.Inputs{Version: 2, ReportData: runtimeDigest, UserData: make([]byte, 64), InitDataDigest: initDataDigest}, nil, good, azure.ErrUserDataMismatch},
		{"quote of another request", base, nil, azure.Expected{ReportData: bytes.Repeat([]byte{0xd2}, 48), InitDataDigest: initDataDigest}, tpm.ErrNonceMismatch},
		{"reported TCB other than the VCEK's", base, func(r *snp.AttestationReport) { r.ReportedTCB = otherTCB }, good, snp.ErrTCBMismatch},
		{"report of another chip", base, func(r *snp.AttestationReport) { r.ChipID = bytes.Repeat([]byte{9}, 64) }, good, snp.ErrChipIDMismatch},
		{"report from VMPL 1", base, func(r *snp.AttestationReport) { r.VMPL = 1 }, good, snp.ErrVMPL},
		{"report binding other var-data", base, func(r *snp.AttestationReport) { r.ReportData = make([]byte, 64) }, good, azure.ErrVarDataMismatch},
	} {
		evidence := fakeSNP(t).Evidence(t, c.in, c.edit)
		if _, err := v.Verify(context.Background(), evidence, c.want); !errors.Is(err, c.err) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.err)
		}
	}
}

// Version 1 evidence has no user-data binding, as upstream.
func TestFakeSNPv1IgnoresUserData(t *testing.T) {
	in := azuretest.Inputs{Version: azure.VersionV1, ReportData: runtimeDigest, UserData: make([]byte, 64)}
	evidence := fakeSNP(t).Evidence(t, in, nil)
	if _, err := fakeSNPVerifier(t).Verify(context.Background(), evidence, azure.Expected{ReportData: runtimeDigest}); err != nil {
		t.Fatal(err)
	}
}

// A debuggable guest verifies: whether that is acceptable is policy's
// call, which reads the claim.
func TestFakeSNPDebugGuestSurfacedAsClaim(t *testing.T) {
	in := azuretest.Inputs{Version: azure.VersionUserData, ReportData: runtimeDigest}
	evidence := fakeSNP(t).Evidence(t, in, func(r *snp.AttestationReport) { r.Policy |= 1 << 19 })
	claims, err := fakeSNPVerifier(t).Verify(context.Background(), evidence, azure.Expected{ReportData: runtimeDigest})
	if err != nil {
		t.Fatal(err)
	}
	if claims["policy_debug_allowed"] != "true" {
		t.Errorf("policy_debug_allowed = %#v, want \"true\"", claims["policy_debug_allowed"])
	}
}

// The fake chip's evidence is refused under AMD's real roots.
func TestFakeSNPRefusedUnderAMDRoots(t *testing.T) {
	evidence := fakeSNP(t).Evidence(t, azuretest.Inputs{Version: 2, ReportData: runtimeDigest}, nil)
	v, err := azure.NewSNPVerifier(azure.SNPOptions{Now: func() time.Time { return snptest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), evidence, azure.Expected{ReportData: runtimeDigest}); !errors.Is(err, snp.ErrUntrustedEndorsementKey) {
		t.Errorf("got %v, want %v", err, snp.ErrUntrustedEndorsementKey)
	}
}

func TestFakeTDXEvidence(t *testing.T) {
	x := fakeTDX(t)
	v := &azure.TDXVerifier{Appraiser: x.Appraiser(t)}
	want := azure.Expected{ReportData: runtimeDigest, InitDataDigest: initDataDigest}
	for _, version := range []int{azure.VersionV1, azure.VersionUserData} {
		in := azuretest.Inputs{Version: version, ReportData: runtimeDigest, InitDataDigest: initDataDigest}
		claims, err := v.Verify(context.Background(), x.Evidence(t, in), want)
		if err != nil {
			t.Fatalf("v%d: %v", version, err)
		}
		if claims["tcb_status"] != "UpToDate" || claims["report_data"] != hexOf(runtimeDigest) {
			t.Errorf("v%d: tcb_status %v, report_data %v", version, claims["tcb_status"], claims["report_data"])
		}
	}
	for _, c := range []struct {
		name string
		in   azuretest.Inputs
		want azure.Expected
		err  error
	}{
		{"other init-data", azuretest.Inputs{Version: 2, ReportData: runtimeDigest}, want, tpm.ErrInitDataMismatch},
		{"user-data of another request", azuretest.Inputs{Version: 2, ReportData: runtimeDigest, UserData: []byte{1}, InitDataDigest: initDataDigest}, want, azure.ErrUserDataMismatch},
		{"quote of another request", azuretest.Inputs{Version: 1, ReportData: runtimeDigest[:32], InitDataDigest: initDataDigest}, want, tpm.ErrNonceMismatch},
	} {
		if _, err := v.Verify(context.Background(), x.Evidence(t, c.in), c.want); !errors.Is(err, c.err) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.err)
		}
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
