package azuretest

import (
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

// TDX is a fake Azure TDX VM on a fake TDX platform.
type TDX struct {
	Platform *tdxtest.Platform
	VTPM     *VTPM
}

// Now is a time within the fake platform's collateral validity.
var Now = tdxtest.CollateralTime

// NewTDX returns a fake TDX VM.
func NewTDX(t testing.TB) *TDX {
	t.Helper()
	p, err := tdxtest.NewPlatform()
	if err != nil {
		t.Fatal(err)
	}
	return &TDX{Platform: p, VTPM: NewVTPM(t)}
}

// CollateralDir writes the platform's UpToDate collateral into a
// temporary directory, for tdx.CollateralDir or a file:// URL.
func (x *TDX) CollateralDir(t testing.TB) string {
	t.Helper()
	raw, err := x.Platform.Collateral(tdxtest.CollateralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tdxtest.WriteCollateralDir(dir, raw); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Appraiser is a DCAP appraiser under the platform's fake root, with its
// collateral, at Now.
func (x *TDX) Appraiser(t testing.TB) *tdx.Appraiser {
	t.Helper()
	now := func() time.Time { return Now }
	roots := x.Platform.Roots()
	return &tdx.Appraiser{
		Roots:      roots,
		Collateral: &tdx.CollateralCache{Source: tdx.CollateralDir(x.CollateralDir(t)), Roots: roots, Now: now},
		Now:        now,
	}
}

// Evidence returns "az-tdx-vtpm" evidence JSON for in, its TD quote of
// version 4.
func (x *TDX) Evidence(t testing.TB, in Inputs) []byte {
	t.Helper()
	varData := x.VTPM.VarData(t, in)
	hash := sha256.Sum256(varData)
	body := tdxtest.DefaultBody()
	body.ReportData = [64]byte{}
	copy(body.ReportData[:], hash[:])
	quote, err := x.Platform.Quote(tdx.QuoteV4, body)
	if err != nil {
		t.Fatal(err)
	}
	tdReport := make([]byte, 1024) // unchecked by verifiers: the quote is what is signed
	copy(tdReport[128:], body.ReportData[:])
	ev := &azure.TDXEvidence{
		Version:   in.Version,
		TPMQuote:  x.VTPM.Quote(t, in.ReportData, PCRs(in.InitDataDigest)),
		HCLReport: HCLReport(azure.ReportTypeTDX, tdReport, varData),
		TDQuote:   quote,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
