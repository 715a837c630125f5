// Package token issues and verifies Trustee attestation tokens.
//
// Tokens are EAT Attestation Results (EAR, draft-ietf-rats-ear) signed as a
// compact JWS with ES256, exactly as upstream Trustee's CoCo AS emits them
// with the Rust `ear` crate, so upstream KBS, kbs-client and guest-components
// accept Cocoon tokens and Cocoon's KBS accepts upstream ones.
package token

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
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

// trustVector is an AR4SI vector that marshals all eight claims in key order.
type trustVector map[string]int

func (v trustVector) MarshalJSON() ([]byte, error) {
	var obj orderedObject
	for _, name := range trustClaimNames {
		obj.add(name, v[name])
	}
	return obj.bytes()
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

// MarshalJSON writes the submodule with the EAR members first, in the order
// the ear crate writes them, then the extensions by name.
func (s Submodule) MarshalJSON() ([]byte, error) {
	var obj orderedObject
	obj.add(claimStatus, Status(s.TrustVector))
	obj.add(claimTrustVector, trustVector(s.TrustVector))
	if s.PolicyID != "" {
		obj.add(claimPolicyID, s.PolicyID)
	}
	if len(s.AnnotatedEvidence) > 0 {
		obj.add(claimAnnotatedEvidence, s.AnnotatedEvidence)
	}
	names := make([]string, 0, len(s.Extensions))
	for name := range s.Extensions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		obj.add(name, s.Extensions[name])
	}
	return obj.bytes()
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

// verifierID is EAR "ear.verifier-id".
type verifierID struct {
	Developer string `json:"developer"`
	Build     string `json:"build"`
}

// earPayload is the JWT claims set, in the member order of upstream tokens;
// "exp" and "iss" are EAR extensions the ear crate writes after "submods".
type earPayload struct {
	Profile    string               `json:"eat_profile"`
	IssuedAt   int64                `json:"iat"`
	VerifierID verifierID           `json:"ear.verifier-id"`
	Submods    map[string]Submodule `json:"submods"`
	Expiry     int64                `json:"exp"`
	Issuer     string               `json:"iss"`
}

// orderedObject builds a JSON object whose members keep insertion order.
type orderedObject struct {
	buf bytes.Buffer
	err error
}

func (o *orderedObject) add(name string, value any) {
	if o.err != nil {
		return
	}
	key, err := json.Marshal(name)
	if err != nil {
		o.err = err
		return
	}
	val, err := json.Marshal(value)
	if err != nil {
		o.err = fmt.Errorf("member %s: %w", key, err)
		return
	}
	if o.buf.Len() == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.buf.Write(key)
	o.buf.WriteByte(':')
	o.buf.Write(val)
}

func (o *orderedObject) bytes() ([]byte, error) {
	if o.err != nil {
		return nil, o.err
	}
	if o.buf.Len() == 0 {
		return []byte("{}"), nil
	}
	o.buf.WriteByte('}')
	return o.buf.Bytes(), nil
}
