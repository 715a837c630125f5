// Package aztdx adapts the "az-tdx-vtpm" verification of tee/azure (TDX
// behind Azure's paravisor, bound through its vTPM) to the Attestation
// Service: one claim set of class cpu. Its TD quotes are appraised by the
// "tdx" verifier, so that both TEEs share upstream's dcap_verifier
// configuration (collateral service, Intel root) and one collateral cache,
// as upstream's az-tdx-vtpm reads dcap_verifier too.
package aztdx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	tdxverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tdx"
	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/tdx"
)

var _ verifier.Verifier = (*Verifier)(nil)

// Verifier verifies "az-tdx-vtpm" evidence. It is safe for concurrent use.
type Verifier struct {
	v *azure.TDXVerifier
}

// New returns a Verifier whose TD quotes the "tdx" verifier appraises.
func New(quotes *tdxverifier.Verifier) (*Verifier, error) {
	if quotes == nil {
		return nil, errors.New("az-tdx-vtpm verifier: no tdx verifier to appraise TD quotes")
	}
	return &Verifier{v: &azure.TDXVerifier{Appraiser: appraiser{quotes}}}, nil
}

// Verify implements verifier.Verifier.
func (v *Verifier) Verify(ctx context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	claims, err := v.v.Verify(ctx, evidence, azure.Expected{ReportData: expected.ReportData, InitDataDigest: expected.InitDataDigest})
	if err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: claims, Class: verifier.ClassCPU}}, nil
}

// appraiser is the "tdx" verifier seen as tee/azure's TDXAppraiser.
type appraiser struct{ v *tdxverifier.Verifier }

func (a appraiser) Appraise(ctx context.Context, evidence []byte, want tdx.Expected) (map[string]any, error) {
	sets, err := a.v.Verify(ctx, evidence, verifier.Expected{ReportData: want.ReportData, InitDataDigest: want.InitDataDigest})
	if err != nil {
		return nil, err
	}
	if len(sets) != 1 {
		return nil, fmt.Errorf("az-tdx-vtpm verifier: the tdx verifier returned %d claim sets, want 1", len(sets))
	}
	return sets[0].Claims, nil
}
