package kbstest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// admin runs fn when the request carries an EdDSA admin token signed with
// the configured key, carrying "role":"admin" and an expiry.
func (s *Server) admin(w http.ResponseWriter, r *http.Request, fn func()) {
	if err := s.checkAdmin(r); err != nil {
		writeError(w, kbs.ErrAdminAuthAccess, err.Error())
		return
	}
	fn()
}

func (s *Server) checkAdmin(r *http.Request) error {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || s.adminKey == nil {
		return errors.New("admin token missing or no admin configured")
	}
	var claims jwt.MapClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return s.adminKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	if err != nil {
		return err
	}
	if claims["role"] != "admin" {
		return errors.New("role claim is not admin")
	}
	return nil
}

func (s *Server) handleSetAttestationPolicy(w http.ResponseWriter, body []byte) {
	var req struct {
		Type     string `json:"type"`
		PolicyID string `json:"policy_id"`
		Policy   string `json:"policy"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.PolicyID == "" {
		writeError(w, kbs.ErrAttestation, "bad set-policy request")
		return
	}
	policy, err := base64.RawURLEncoding.DecodeString(req.Policy)
	if err != nil {
		writeError(w, kbs.ErrAttestation, "policy is not base64url without padding")
		return
	}
	s.mu.Lock()
	s.attestPolicies[req.PolicyID] = policy
	s.mu.Unlock()
}

func (s *Server) handleSetResourcePolicy(w http.ResponseWriter, body []byte) {
	var req struct {
		Policy string `json:"policy"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, kbs.ErrSerde, err.Error())
		return
	}
	policy, err := base64.RawURLEncoding.DecodeString(req.Policy)
	if err != nil {
		writeError(w, kbs.ErrParsePolicy, "policy is not base64url without padding")
		return
	}
	s.mu.Lock()
	s.resourcePolicy = policy
	s.mu.Unlock()
}

func (s *Server) handleGetResourcePolicy(w http.ResponseWriter) {
	ids := []string{}
	if s.ResourcePolicy() != nil {
		ids = append(ids, "resource-policy")
	}
	writeJSON(w, ids)
}

// handleRegisterReferenceValue accepts the sample extractor's message:
// payload is standard base64 of {name: value, ...}.
func (s *Server) handleRegisterReferenceValue(w http.ResponseWriter, body []byte) {
	var msg struct {
		Version string `json:"version"`
		Type    string `json:"type"`
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Version != "0.1.0" || msg.Type != "sample" {
		writeError(w, kbs.ErrRvps, "bad reference value message")
		return
	}
	payload, err := base64.StdEncoding.DecodeString(msg.Payload)
	if err != nil {
		writeError(w, kbs.ErrRvps, "payload is not standard base64")
		return
	}
	var values map[string]json.RawMessage
	if err := json.Unmarshal(payload, &values); err != nil {
		writeError(w, kbs.ErrRvps, "payload is not a JSON object")
		return
	}
	s.mu.Lock()
	for name, v := range values {
		s.referenceValues[name] = v
	}
	s.mu.Unlock()
}

func (s *Server) handleGetReferenceValue(w http.ResponseWriter, id string) {
	v, ok := s.ReferenceValue(id)
	if !ok {
		writeError(w, kbs.ErrRvps, "reference value "+id+" not found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(v)
}
