package tpm

import (
	"context"
	"encoding/json"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Provider presents an Attester as the evidence provider of the KBS client
// (client/kbs.EvidenceProvider): the TPM is the primary TEE and there are
// no additional devices.
type Provider struct{ attester *Attester }

// NewProvider returns the evidence provider of a.
func NewProvider(a *Attester) *Provider { return &Provider{attester: a} }

// Tee is kbs.TeeTpm.
func (p *Provider) Tee() kbs.Tee { return kbs.TeeTpm }

// PrimaryEvidence is the TPM evidence bound to reportData.
func (p *Provider) PrimaryEvidence(ctx context.Context, reportData []byte) (json.RawMessage, error) {
	return p.attester.Evidence(ctx, reportData)
}

// AdditionalEvidence is "": a TPM alone has no additional devices.
func (p *Provider) AdditionalEvidence(context.Context, []byte) (string, error) { return "", nil }
