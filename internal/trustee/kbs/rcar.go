package kbs

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Upstream's details for the two handshake steps.
const (
	authFailed   = "Attestation error: RCAR handshake Auth failed"
	attestFailed = "Attestation error: RCAR handshake Attest failed"
)

// legacyExtraParams is the Challenge extra-params when no hash algorithm is
// negotiated: the JSON string "", not an object.
var legacyExtraParams = json.RawMessage(`""`)

// handleAuth is step 1 of RCAR: check the client's protocol version and
// TEE, open a session and answer a fresh nonce.
func (s *Server) handleAuth(w http.ResponseWriter, r *http.Request, body []byte) error {
	s.metrics.AuthRequests.Inc()
	challenge, sess, err := s.auth(r, body)
	if err != nil {
		s.metrics.AuthErrors.Inc()
		return err
	}
	s.metrics.AuthSuccesses.Inc()
	http.SetCookie(w, sess.Cookie())
	out, err := json.Marshal(challenge)
	if err != nil {
		return fail(kbs.ErrSerde, "Serialize/Deserialize failed", err)
	}
	writeJSON(w, out)
	return nil
}

func (s *Server) auth(r *http.Request, body []byte) (*kbs.Challenge, *Session, error) {
	var req kbs.Request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, nil, reject(kbs.ErrAttestation, authFailed+": deserialize Request", err)
	}
	if req.Version != kbs.ProtocolVersion {
		return nil, nil, fail(kbs.ErrAttestation, fmt.Sprintf(
			"%s: KBS Client Protocol Version Mismatch: expect =%s while the request is %s",
			authFailed, kbs.ProtocolVersion, req.Version), nil)
	}
	if _, err := s.verifiers.Lookup(req.Tee); err != nil {
		// The cause names the TEE and, when the operator left its verifier
		// unconfigured, the key to set: safe and useful to show.
		return nil, nil, reject(kbs.ErrAttestation, authFailed, err)
	}
	nonce, err := kbs.NewNonce()
	if err != nil {
		return nil, nil, fail(kbs.ErrAttestation, authFailed, err)
	}
	// No TEE we verify negotiates a hash algorithm (only IBM SE does
	// upstream), so extra-params is always the legacy "".
	challenge := kbs.Challenge{Nonce: nonce, ExtraParams: legacyExtraParams}
	sess, err := s.sessions.Create(r.Context(), req, challenge)
	if err != nil {
		return nil, nil, fail(kbs.ErrAttestation, authFailed, err)
	}
	return &challenge, sess, nil
}

// handleAttest is step 2 of RCAR: appraise the evidence bound to the
// session's nonce and the TEE key, and answer the attestation token.
func (s *Server) handleAttest(w http.ResponseWriter, r *http.Request, body []byte) error {
	s.metrics.AttestationRequests.Inc()
	sess, err := s.attest(r, body)
	if err != nil {
		return err
	}
	out, err := json.Marshal(kbs.AttestationResponse{Token: sess.Token})
	if err != nil {
		return fail(kbs.ErrSerde, "Serialize/Deserialize failed", err)
	}
	http.SetCookie(w, sess.Cookie())
	writeJSON(w, out)
	return nil
}

// attest returns the session, Attested. Errors of the request itself count
// as attestation errors; evidence the AS refuses counts as a failure of
// that TEE.
func (s *Server) attest(r *http.Request, body []byte) (*Session, error) {
	ctx := r.Context()
	refuse := func(detail string, cause error) (*Session, error) {
		s.metrics.AttestationErrors.Inc()
		if cause == nil {
			return nil, fail(kbs.ErrAttestation, attestFailed+": "+detail, nil)
		}
		return nil, reject(kbs.ErrAttestation, attestFailed+": "+detail, cause)
	}
	cookie, err := r.Cookie(kbs.SessionCookie)
	if err != nil {
		return refuse("cookie not found", nil)
	}
	var att kbs.Attestation
	if err := json.Unmarshal(body, &att); err != nil {
		return refuse("deserialize Attestation", err)
	}
	sess, err := s.sessions.Get(ctx, cookie.Value)
	if errors.Is(err, ErrSessionNotFound) || errors.Is(err, ErrSessionExpired) {
		return refuse("session", err)
	}
	if err != nil {
		s.metrics.AttestationErrors.Inc()
		return nil, fail(kbs.ErrAttestation, attestFailed+": session storage", err)
	}
	if sess.Attested() {
		// Upstream answers the stored token without appraising again.
		return sess, nil
	}
	nonce := sess.Challenge.Nonce
	if subtle.ConstantTimeCompare([]byte(att.RuntimeData.Nonce), []byte(nonce)) != 1 {
		return refuse("the nonce does not match the session's challenge", nil)
	}
	if _, err := att.RuntimeData.TeePubKey.CryptoPublicKey(); err != nil {
		return refuse("tee-pubkey", err)
	}
	requests, err := verificationRequests(sess.Request.Tee, nonce, &att)
	if err != nil {
		return refuse("additional evidence", err)
	}
	tee := string(sess.Request.Tee)
	token, err := s.as.Evaluate(ctx, requests, s.cfg.PolicyIDs)
	if err != nil {
		s.metrics.AttestationFailures.WithLabelValues(tee).Inc()
		return nil, reject(kbs.ErrAttestation, attestFailed, err)
	}
	sess.attest(token)
	if err := s.sessions.Put(ctx, sess); err != nil {
		s.metrics.AttestationErrors.Inc()
		return nil, fail(kbs.ErrAttestation, attestFailed+": session storage", err)
	}
	s.metrics.AttestationSuccesses.WithLabelValues(tee).Inc()
	s.logger.InfoContext(ctx, "attestation succeeded",
		slog.String(logKeyRequestID, requestID(ctx)), slog.String(logKeyTee, tee))
	return sess, nil
}

// verificationRequests rebuilds what each evidence must be bound to from
// the parsed request and the session's nonce, as upstream does: the
// primary TEE binds the key, the nonce and the additional-evidence string;
// each device binds the key and the nonce.
func verificationRequests(primary kbs.Tee, nonce string, att *kbs.Attestation) ([]as.VerificationRequest, error) {
	devices, err := kbs.ParseAdditionalEvidence(att.TeeEvidence.AdditionalEvidence)
	if err != nil {
		return nil, err
	}
	key := att.RuntimeData.TeePubKey
	requests := []as.VerificationRequest{{
		Tee:           primary,
		Evidence:      att.TeeEvidence.PrimaryEvidence,
		RuntimeData:   kbs.PrimaryRuntimeData(nonce, key, att.TeeEvidence.AdditionalEvidence),
		HashAlgorithm: kbs.HashForTee(primary),
		InitData:      att.InitData,
	}}
	tees := make([]kbs.Tee, 0, len(devices))
	for tee := range devices {
		tees = append(tees, tee)
	}
	slices.Sort(tees) // a stable order keeps tokens reproducible
	for _, tee := range tees {
		requests = append(requests, as.VerificationRequest{
			Tee:           tee,
			Evidence:      devices[tee],
			RuntimeData:   kbs.DeviceRuntimeData(nonce, key),
			HashAlgorithm: kbs.HashForTee(primary),
		})
	}
	return requests, nil
}
