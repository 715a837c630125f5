// Package verifier defines what the Attestation Service asks of each TEE
// verifier, and keeps the registry of verifiers by TEE name.
package verifier

import (
	"context"
	"encoding/json"
)

// Class is the kind of TEE a set of claims describes; it names the EAR
// submodule ("cpu0", "gpu0") and selects the policy ("default_cpu").
type Class string

// Classes of upstream's verifiers.
const (
	ClassCPU    Class = "cpu"
	ClassGPU    Class = "gpu"
	ClassSwitch Class = "switch"
	ClassPPCIE  Class = "ppcie"
	ClassDCU    Class = "dcu"
)

// Expected holds the values the evidence must be bound to.
type Expected struct {
	// ReportData is the runtime-data digest the evidence must carry, before
	// any per-TEE padding (the verifier applies its own rule). It is never
	// empty in a valid request: a verifier refuses evidence when it is,
	// where upstream would skip the check (verifiertest enforces this).
	ReportData []byte
	// InitDataDigest is the digest of the init-data the evidence must be
	// bound to, or nil when no init-data was presented.
	InitDataDigest []byte
}

// ClaimSet is what a verifier learned from one piece of evidence. Claims
// use upstream's names; "report_data" and "init_data" are set when the
// verifier checked them.
type ClaimSet struct {
	Claims map[string]any
	Class  Class
}

// Verifier checks the evidence of one TEE type: signatures, certificate
// chains and bindings. It never reads policy. An error means the evidence
// is not trusted; its text says why. Every implementation passes
// verifiertest.Run and is safe for concurrent use.
type Verifier interface {
	Verify(ctx context.Context, evidence json.RawMessage, expected Expected) ([]ClaimSet, error)
}
