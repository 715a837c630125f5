package kbs

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// authorizeAdmin lets the request through the admin authorizer.
func (s *Server) authorizeAdmin(r *http.Request, endpoint string) error {
	if err := s.admin.Authorize(r); err != nil {
		return reject(kbs.ErrAdminAuthAccess, "admin access denied for endpoint "+endpoint, err)
	}
	return nil
}

// decodePolicyText decodes the base64url (no padding, padding tolerated)
// policy text of an admin upload.
func decodePolicyText(b64 string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(b64, "="))
	if err != nil {
		return "", fmt.Errorf("policy is not base64url: %w", err)
	}
	if !utf8.Valid(raw) {
		return "", fmt.Errorf("policy is not UTF-8 text")
	}
	return string(raw), nil
}

// handleSetAttestationPolicy forwards {"policy_id","policy"} to the AS.
// "type" is accepted and ignored, as upstream.
func (s *Server) handleSetAttestationPolicy(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.authorizeAdmin(r, "attestation-policy"); err != nil {
		return err
	}
	const detail = "Attestation error: Set Attestation Policy failed"
	var req struct {
		Type     string `json:"type"`
		PolicyID string `json:"policy_id"`
		Policy   string `json:"policy"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return reject(kbs.ErrAttestation, detail+": parse set policy request", err)
	}
	module, err := decodePolicyText(req.Policy)
	if err != nil {
		return reject(kbs.ErrAttestation, detail, err)
	}
	if err := s.as.SetPolicy(r.Context(), req.PolicyID, module); err != nil {
		return reject(kbs.ErrAttestation, detail, err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleSetResourcePolicy stores {"policy": <base64url rego>} once it
// compiles and evaluates.
func (s *Server) handleSetResourcePolicy(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.authorizeAdmin(r, "resource-policy"); err != nil {
		return err
	}
	const detail = "Failed to parse policy"
	var req struct {
		Policy *string `json:"policy"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(kbs.ErrParsePolicy, detail+": Illegal SetPolicy Request Json", err)
	}
	if req.Policy == nil {
		return fail(kbs.ErrParsePolicy, detail+": No `policy` field inside SetPolicy Request Json", nil)
	}
	module, err := decodePolicyText(*req.Policy)
	if err != nil {
		return reject(kbs.ErrParsePolicy, detail, err)
	}
	if err := s.setResourcePolicy(r.Context(), module); err != nil {
		return reject(kbs.ErrPolicyEngine, policyFailed, err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleListResourcePolicies answers the stored policy ids as a JSON array.
func (s *Server) handleListResourcePolicies(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorizeAdmin(r, "resource-policy"); err != nil {
		return err
	}
	ids, err := s.resourcePolicyIDs(r.Context())
	if err != nil {
		return fail(kbs.ErrPolicyEngine, policyFailed, err)
	}
	out, err := json.Marshal(ids)
	if err != nil {
		return fail(kbs.ErrSerde, "Serialize/Deserialize failed", err)
	}
	writeJSON(w, out)
	return nil
}

// handleRegisterReferenceValue hands an RVPS message to the RVPS.
func (s *Server) handleRegisterReferenceValue(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.authorizeAdmin(r, "reference-value"); err != nil {
		return err
	}
	if err := s.rvps.Register(r.Context(), body); err != nil {
		return reject(kbs.ErrRvps, "RVPS configuration failed: Failed to register reference value", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleQueryReferenceValue answers the stored value of id as JSON.
func (s *Server) handleQueryReferenceValue(w http.ResponseWriter, r *http.Request, id string) error {
	if err := s.authorizeAdmin(r, "reference-value"); err != nil {
		return err
	}
	value, err := s.rvps.Query(r.Context(), id)
	if err != nil {
		return reject(kbs.ErrRvps, "RVPS configuration failed: Failed to get reference_values", err)
	}
	writeJSON(w, value)
	return nil
}
