package azure

import (
	"context"
	"errors"

	"github.com/cocoon-cc/cocoon/tee/tdx"
)

// TDXAppraiser appraises TDX evidence ({"quote":...}) with DCAP: the PCK
// chain to Intel's root, the QE report, the quote signature and the TCB
// status from collateral, then the report-data binding; it returns
// upstream's TDX claims. *tdx.Appraiser is one.
type TDXAppraiser interface {
	Appraise(ctx context.Context, evidence []byte, want tdx.Expected) (map[string]any, error)
}

// TDXVerifier verifies "az-tdx-vtpm" evidence. It is safe for concurrent
// use when its Appraiser is.
type TDXVerifier struct {
	Appraiser TDXAppraiser
}

// Verify parses and verifies "az-tdx-vtpm" evidence and returns upstream's
// claims: the vTPM quote and its bindings (see Expected), the var-data
// hash in the TD quote's REPORT_DATA, and the TD quote by DCAP.
func (v *TDXVerifier) Verify(ctx context.Context, evidence []byte, want Expected) (map[string]any, error) {
	if v.Appraiser == nil {
		return nil, errors.New("azure: TDX verifier without a DCAP appraiser")
	}
	ev, err := ParseTDXEvidence(evidence)
	if err != nil {
		return nil, err
	}
	hcl, err := checkVTPM(&ev.TPMQuote, ev.HCLReport, ev.Version, want, ReportTypeTDX)
	if err != nil {
		return nil, err
	}
	quote, err := tdx.ParseQuote(ev.TDQuote)
	if err != nil {
		return nil, err
	}
	if err := checkVarData(hcl, quote.Body.ReportData[:]); err != nil {
		return nil, err
	}
	tdEvidence, err := tdx.NewEvidence(ev.TDQuote, nil)
	if err != nil {
		return nil, err
	}
	// Azure binds the runtime data and init-data through the vTPM, not
	// REPORT_DATA and MRCONFIGID: the appraiser is given the REPORT_DATA
	// the quote carries, which checkVarData has just tied to the AK, and
	// no init-data.
	claims, err := v.Appraiser.Appraise(ctx, tdEvidence, tdx.Expected{ReportData: quote.Body.ReportData[:]})
	if err != nil {
		return nil, err
	}
	ev.TPMQuote.addClaims(claims, want.ReportData)
	return claims, nil
}
