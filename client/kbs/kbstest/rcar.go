package kbstest

import (
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// session is one RCAR session; token is set once it is attested.
type session struct {
	tee     kbs.Tee
	nonce   string
	hash    kbs.HashAlgorithm
	expires int64 // unix seconds
	token   string
}

func (s *Server) handleAuth(w http.ResponseWriter, body []byte) {
	var req kbs.Request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, kbs.ErrAttestation, "RCAR handshake Auth failed: "+err.Error())
		return
	}
	if req.Version != kbs.ProtocolVersion {
		writeError(w, kbs.ErrAttestation, "KBS Client Protocol Version Mismatch")
		return
	}
	if req.Tee != kbs.TeeSample {
		writeError(w, kbs.ErrAttestation, fmt.Sprintf("kbstest verifies only the sample TEE, not %q", req.Tee))
		return
	}
	hash, extra, err := s.negotiateHash(req)
	if err != nil {
		writeError(w, kbs.ErrAttestation, err.Error())
		return
	}
	nonce, err := kbs.NewNonce()
	if err != nil {
		writeError(w, kbs.ErrAttestation, err.Error())
		return
	}
	id := uuid.New()
	sessionID := hex.EncodeToString(id[:])
	expires := s.now().Add(sessionTimeout)
	s.mu.Lock()
	s.sessions[sessionID] = &session{tee: req.Tee, nonce: nonce, hash: hash, expires: expires.Unix()}
	s.mu.Unlock()
	// Trustee sets only Expires: no Path, Max-Age, HttpOnly or SameSite.
	http.SetCookie(w, &http.Cookie{Name: kbs.SessionCookie, Value: sessionID, Expires: expires})
	writeJSON(w, kbs.Challenge{Nonce: nonce, ExtraParams: extra})
}

// negotiateHash returns the hash evidence must be bound with and the
// challenge's extra-params: the legacy "" (client defaults to SHA-384)
// unless a hash is to be selected from the client's list.
func (s *Server) negotiateHash(req kbs.Request) (kbs.HashAlgorithm, json.RawMessage, error) {
	if s.selectHash == "" {
		return kbs.HashForTee(req.Tee), json.RawMessage(`""`), nil
	}
	var params struct {
		Supported []kbs.HashAlgorithm `json:"supported-hash-algorithms"`
	}
	if err := json.Unmarshal(req.ExtraParams, &params); err != nil || !slices.Contains(params.Supported, s.selectHash) {
		return "", nil, fmt.Errorf("client does not support %s", s.selectHash)
	}
	extra, err := json.Marshal(map[string]kbs.HashAlgorithm{"selected-hash-algorithm": s.selectHash})
	return s.selectHash, extra, err
}

// sessionOf returns the live session named by the request's cookie.
func (s *Server) sessionOf(r *http.Request) (string, *session, bool) {
	cookie, err := r.Cookie(kbs.SessionCookie)
	if err != nil {
		return "", nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[cookie.Value]
	if !ok || s.now().Unix() >= sess.expires {
		return "", nil, false
	}
	return cookie.Value, sess, true
}

func (s *Server) handleAttest(w http.ResponseWriter, r *http.Request, body []byte) {
	id, sess, ok := s.sessionOf(r)
	if !ok {
		writeError(w, kbs.ErrAttestation, "RCAR handshake Attest failed: session not found or expired")
		return
	}
	if sess.token != "" {
		writeJSON(w, kbs.AttestationResponse{Token: sess.token})
		return
	}
	var att kbs.Attestation
	if err := json.Unmarshal(body, &att); err != nil {
		writeError(w, kbs.ErrAttestation, "RCAR handshake Attest failed: "+err.Error())
		return
	}
	claims, err := verifyAttestation(sess, &att)
	if err != nil {
		writeError(w, kbs.ErrAttestation, "RCAR handshake Attest failed: "+err.Error())
		return
	}
	token, err := s.issueToken(claims)
	if err != nil {
		writeError(w, kbs.ErrAttestation, err.Error())
		return
	}
	s.mu.Lock()
	sess.token = token
	s.sessions[id] = sess
	s.attestations = append(s.attestations, att)
	s.mu.Unlock()
	writeJSON(w, kbs.AttestationResponse{Token: token})
}

// verifyAttestation rebuilds the runtime data from the parsed request, as
// Trustee does, and checks every piece of evidence carries its digest. It
// returns EAR-shaped claims.
func verifyAttestation(sess *session, att *kbs.Attestation) (map[string]any, error) {
	if subtle.ConstantTimeCompare([]byte(att.RuntimeData.Nonce), []byte(sess.nonce)) != 1 {
		return nil, fmt.Errorf("nonce mismatch")
	}
	pub := att.RuntimeData.TeePubKey
	if _, err := pub.CryptoPublicKey(); err != nil {
		return nil, err
	}
	devices, err := kbs.ParseAdditionalEvidence(att.TeeEvidence.AdditionalEvidence)
	if err != nil {
		return nil, err
	}
	deviceDigest, err := kbs.RuntimeDataDigest(sess.hash, kbs.DeviceRuntimeData(sess.nonce, pub))
	if err != nil {
		return nil, err
	}
	submods := map[string]any{}
	for tee, evidence := range devices {
		if tee != kbs.TeeSampleDevice {
			return nil, fmt.Errorf("kbstest verifies only sampledevice devices, not %q", tee)
		}
		claims, err := sample.VerifyDevice(evidence, deviceDigest)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", tee, err)
		}
		submods["gpu0"] = submod(map[string]any{string(tee): claims})
	}
	primaryDigest, err := kbs.RuntimeDataDigest(sess.hash, kbs.PrimaryRuntimeData(sess.nonce, pub, att.TeeEvidence.AdditionalEvidence))
	if err != nil {
		return nil, err
	}
	var initDataDigest []byte
	if att.InitData != nil {
		if att.InitData.Format != "toml" {
			return nil, fmt.Errorf("unsupported initdata format %q", att.InitData.Format)
		}
		if initDataDigest, err = sess.hash.Sum([]byte(att.InitData.Body)); err != nil {
			return nil, err
		}
	}
	claims, err := sample.Verify(att.TeeEvidence.PrimaryEvidence, primaryDigest, initDataDigest)
	if err != nil {
		return nil, fmt.Errorf("primary evidence: %w", err)
	}
	submods["cpu0"] = submod(map[string]any{
		string(sess.tee):      claims,
		"runtime_data_claims": map[string]any{"tee-pubkey": pub},
	})
	return map[string]any{"submods": submods}, nil
}

func submod(annotated map[string]any) map[string]any {
	return map[string]any{"ear.status": "affirming", "ear.veraison.annotated-evidence": annotated}
}
