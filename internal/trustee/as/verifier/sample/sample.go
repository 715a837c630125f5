// Package sample adapts the sample TEEs of tee/sample to the Attestation
// Service: "sample" is a CPU, "sampledevice" a GPU. Neither proves anything;
// they exist for development and tests.
package sample

import (
	"context"
	"encoding/json"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

var (
	_ verifier.Verifier = CPU{}
	_ verifier.Verifier = Device{}
)

// CPU verifies "sample" evidence; its claims are of class cpu.
type CPU struct{}

// Verify implements verifier.Verifier.
func (CPU) Verify(_ context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	claims, err := sample.Verify(evidence, expected.ReportData, expected.InitDataDigest)
	if err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: claims, Class: verifier.ClassCPU}}, nil
}

// Device verifies "sampledevice" evidence; its claims are of class gpu.
type Device struct{}

// Verify implements verifier.Verifier. Devices are not bound to init-data.
func (Device) Verify(_ context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	claims, err := sample.VerifyDevice(evidence, expected.ReportData)
	if err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: claims, Class: verifier.ClassGPU}}, nil
}
