// Package token issues and verifies Trustee attestation tokens.
//
// Tokens are EAT Attestation Results (EAR, draft-ietf-rats-ear) signed as a
// compact JWS with ES256, exactly as upstream Trustee's CoCo AS emits them
// with the Rust `ear` crate, so upstream KBS, kbs-client and guest-components
// accept Cocoon tokens and Cocoon's KBS accepts upstream ones.
package token

import (
	"fmt"
	"slices"
)

// trustClaimNames are the AR4SI trustworthiness claims in their key order
// (instance-identity is key 0 ... sourced-data is key 7); the ear crate
// serialises the vector in this order.
var trustClaimNames = []string{
	"instance-identity",
	"configuration",
	"executables",
	"file-system",
	"hardware",
	"runtime-opaque",
	"storage-opaque",
	"sourced-data",
}

// Submodule members defined by EAR; a policy extension may not reuse them.
const (
	claimStatus            = "ear.status"
	claimTrustVector       = "ear.trustworthiness-vector"
	claimPolicyID          = "ear.appraisal-policy-id"
	claimAnnotatedEvidence = "ear.veraison.annotated-evidence"
	claimPolicyClaims      = "ear.veraison.policy-claims"
	claimKeyAttestation    = "ear.veraison.key-attestation"
)

var reservedSubmodClaims = []string{
	claimStatus, claimTrustVector, claimPolicyID, claimAnnotatedEvidence,
	claimPolicyClaims, claimKeyAttestation,
}

// Submodule is the appraisal of one attester (upstream names them "cpu0",
// "gpu0", ...): the trust vector and extensions produced by the AS policy,
// and the claims the policy was evaluated against.
type Submodule struct {
	// TrustVector maps AR4SI claim names to values in -128..127. Claims not
	// set are 0 ("no claim"), as the ear crate reads unset claims.
	TrustVector       map[string]int
	PolicyID          string
	AnnotatedEvidence map[string]any
	// Extensions are extra submodule members, e.g. "ear.trustee.identifiers".
	Extensions map[string]any
}

// Status is the EAR "ear.status" of a trust vector: the highest AR4SI tier
// of its claims, as the ear crate's update_status_from_trust_vector computes.
func Status(trustVector map[string]int) string {
	highest := tierNone
	for _, value := range trustVector {
		highest = max(highest, tierOf(value))
	}
	return tierNames[highest]
}

type tier int

// Tiers ordered from least to most severe, as the ear crate orders TrustTier.
const (
	tierNone tier = iota
	tierAffirming
	tierWarning
	tierContraindicated
)

var tierNames = [...]string{"none", "affirming", "warning", "contraindicated"}

// tierOf follows the ear crate's TrustClaim::tier.
func tierOf(value int) tier {
	switch {
	case value >= -1 && value <= 1:
		return tierNone
	case value >= -32 && value <= 31:
		return tierAffirming
	case value >= -96 && value <= 95:
		return tierWarning
	default:
		return tierContraindicated
	}
}

func checkTrustVector(v map[string]int) error {
	for name, value := range v {
		if !slices.Contains(trustClaimNames, name) {
			return fmt.Errorf("unknown trust claim %q", name)
		}
		if value < -128 || value > 127 {
			return fmt.Errorf("trust claim %q = %d is outside -128..127", name, value)
		}
	}
	return nil
}

// MarshalJSON writes the submodule as the token carries it.
func (s Submodule) MarshalJSON() ([]byte, error) {
	return s.appendJSON(nil)
}

func (s Submodule) validate() error {
	if err := checkTrustVector(s.TrustVector); err != nil {
		return err
	}
	for name := range s.Extensions {
		if slices.Contains(reservedSubmodClaims, name) {
			return fmt.Errorf("extension %q collides with an EAR claim", name)
		}
	}
	return nil
}
