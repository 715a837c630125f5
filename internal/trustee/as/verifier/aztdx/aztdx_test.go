package aztdx

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	tdxverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tdx"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/azure/azuretest"
	"github.com/cocoon-cc/cocoon/tee/tdx"
)

// newVerifier is the az-tdx-vtpm verifier over a "tdx" verifier
// configured as an operator would (dcap_verifier-like options): the fake
// platform's root and its collateral in a file:// directory.
func newVerifier(t *testing.T, vm *azuretest.TDX) *Verifier {
	t.Helper()
	now := func() time.Time { return azuretest.Now }
	quotes, err := tdxverifier.New(tdxverifier.Options{
		CollateralService: "file://" + vm.CollateralDir(t),
		Roots:             vm.Platform.Roots(),
		Now:               now,
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(quotes)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The upstream az-tdx-vtpm captures need Intel collateral for their
// platform to verify end to end (upstream's own tests of them are
// #[ignore]d); tee/azure verifies them offline up to the TCB status. The
// suite runs here on a fake platform's evidence, with init-data.
func TestConformanceFakePlatform(t *testing.T) {
	vm := azuretest.NewTDX(t)
	reportData := bytes.Repeat([]byte{0xab}, 48)
	initData := bytes.Repeat([]byte{0x1d}, 32)
	in := azuretest.Inputs{Version: azure.VersionUserData, ReportData: reportData, InitDataDigest: initData}
	verifiertest.Run(t, verifiertest.Case{
		Verifier: newVerifier(t, vm),
		Evidence: vm.Evidence(t, in),
		Expected: verifier.Expected{ReportData: reportData, InitDataDigest: initData},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}

// The claims are the tdx verifier's (quote.*, td_attributes, tcb_status)
// with the vTPM's: report_data and init_data from the vTPM, tpm.pcrNN.
func TestClaims(t *testing.T) {
	vm := azuretest.NewTDX(t)
	reportData := bytes.Repeat([]byte{0xab}, 48)
	in := azuretest.Inputs{Version: azure.VersionV1, ReportData: reportData}
	sets, err := newVerifier(t, vm).Verify(context.Background(), vm.Evidence(t, in), verifier.Expected{ReportData: reportData})
	if err != nil {
		t.Fatal(err)
	}
	claims := sets[0].Claims
	if claims["report_data"] != hexOf(reportData) || claims["tcb_status"] != "UpToDate" {
		t.Errorf("report_data %v, tcb_status %v", claims["report_data"], claims["tcb_status"])
	}
	if h := claims["quote"].(map[string]any)["header"].(map[string]any); h["tee_type"] != "81000000" {
		t.Errorf("quote.header.tee_type = %v", h["tee_type"])
	}
	if len(claims["tpm"].(map[string]any)) != 24 {
		t.Errorf("tpm claims: %v", claims["tpm"])
	}
}

// The fake platform's evidence is refused under another SGX root.
func TestOtherRootRefused(t *testing.T) {
	vm, other := azuretest.NewTDX(t), azuretest.NewTDX(t)
	quotes, err := tdxverifier.New(tdxverifier.Options{
		CollateralService: "file://" + vm.CollateralDir(t),
		Roots:             other.Platform.Roots(),
		Now:               func() time.Time { return azuretest.Now },
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(quotes)
	if err != nil {
		t.Fatal(err)
	}
	reportData := bytes.Repeat([]byte{0xab}, 48)
	evidence := vm.Evidence(t, azuretest.Inputs{Version: 2, ReportData: reportData})
	if _, err := v.Verify(context.Background(), evidence, verifier.Expected{ReportData: reportData}); !errors.Is(err, tdx.ErrUntrustedChain) {
		t.Errorf("got %v, want %v", err, tdx.ErrUntrustedChain)
	}
}

func TestNewNeedsTDXVerifier(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
