// Package tpm adapts the TPM verifier of tee/tpm to the Attestation
// Service. Trust in the attestation key is decided by policy: upstream's
// default CPU policy requires input.tpm.ak_public in the "trusted_aks"
// reference values.
package tpm

import (
	"context"
	"encoding/json"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

var _ verifier.Verifier = Verifier{}

// Verifier verifies "tpm" evidence; its claims are of class cpu.
type Verifier struct{}

// Verify implements verifier.Verifier.
func (Verifier) Verify(ctx context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	claims, err := tpm.Verify(evidence, tpm.Expected{
		ReportData:     expected.ReportData,
		InitDataDigest: expected.InitDataDigest,
	})
	if err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: claims, Class: verifier.ClassCPU}}, nil
}
