package kbs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// EvidenceProvider produces evidence bound to report data; the guest's
// attestation-agent and kbs-client's sample mode implement it.
type EvidenceProvider interface {
	// Tee is the primary TEE, announced in the RCAR request.
	Tee() kbs.Tee
	// PrimaryEvidence is the primary TEE's evidence carrying reportData.
	PrimaryEvidence(ctx context.Context, reportData []byte) (json.RawMessage, error)
	// AdditionalEvidence is the JSON object {tee: evidence} of the
	// additional devices, each carrying reportData, as a string; "" when
	// there are none.
	AdditionalEvidence(ctx context.Context, reportData []byte) (string, error)
}

// SampleProvider returns the sample TEE attester, optionally with one
// sample device. Its evidence proves nothing: Trustee's default resource
// policy refuses it.
func SampleProvider(withDevice bool) EvidenceProvider {
	return sampleProvider{withDevice: withDevice}
}

type sampleProvider struct{ withDevice bool }

var _ EvidenceProvider = sampleProvider{}

func (sampleProvider) Tee() kbs.Tee { return kbs.TeeSample }

func (sampleProvider) PrimaryEvidence(_ context.Context, reportData []byte) (json.RawMessage, error) {
	return sample.NewEvidence(sample.CPUSVN, reportData), nil
}

func (p sampleProvider) AdditionalEvidence(_ context.Context, reportData []byte) (string, error) {
	if !p.withDevice {
		return "", nil
	}
	devices := map[kbs.Tee]json.RawMessage{
		kbs.TeeSampleDevice: sample.NewEvidence(sample.DeviceSVN, reportData),
	}
	b, err := json.Marshal(devices)
	if err != nil {
		return "", fmt.Errorf("kbs: sample device evidence: %w", err)
	}
	return string(b), nil
}
