package kbs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Upstream's details for plugin calls.
const (
	pluginFailed   = "Plugin internal error"
	tokenNotFound  = "Attestation Token not found"
	tokenRejected  = "Token Verifier error"
	policyDenied   = "Access denied by policy"
	policyFailed   = "Policy engine error"
	jweFailed      = "JWE failed"
	initDataClaims = "init_data_claims"
)

// servePlugin authorises a plugin call, runs it and, when the plugin asks,
// encrypts the answer to the TEE key named in the attestation token.
func (s *Server) servePlugin(w http.ResponseWriter, r *http.Request, name string, path []string, body []byte) error {
	p, ok := s.plugins.Get(name)
	if !ok {
		return fail(kbs.ErrPluginNotFound, fmt.Sprintf("Plugin %s not found", name), nil)
	}
	req := &plugin.Request{Method: r.Method, Path: path, Query: firstValues(r), Body: body}
	ctx := r.Context()

	if p.RequiresAdmin(r.Method) {
		if err := s.authorizeAdmin(r, name); err != nil {
			return err
		}
		out, err := p.Handle(ctx, req)
		if err != nil {
			return pluginError(err)
		}
		writeRaw(w, out)
		return nil
	}

	claims, err := s.attestationClaims(r)
	if err != nil {
		return err
	}
	if err := s.checkResourcePolicy(ctx, claims, name, req); err != nil {
		return err
	}
	req.InitData = lookupInitData(claims)
	out, err := p.Handle(ctx, req)
	if err != nil {
		return pluginError(err)
	}
	if !p.Encrypted(r.Method) {
		writeRaw(w, out)
		return nil
	}
	key, err := s.tokens.TeePubKey(claims)
	if err != nil {
		return fail(kbs.ErrTokenVerifier, tokenRejected, err)
	}
	jwe, err := kbs.Encrypt(key, out)
	if err != nil {
		return fail(kbs.ErrJwe, jweFailed, err)
	}
	encoded, err := json.Marshal(jwe)
	if err != nil {
		return fail(kbs.ErrJwe, jweFailed, err)
	}
	writeJSON(w, encoded)
	return nil
}

// pluginError shows the client why its call failed when the reason is its
// own request (bad path, missing item, wrong method), and nothing otherwise.
func pluginError(err error) error {
	if errors.Is(err, plugin.ErrInvalidPath) || errors.Is(err, plugin.ErrNotFound) || errors.Is(err, plugin.ErrMethodNotAllowed) {
		return reject(kbs.ErrPluginInternal, pluginFailed, err)
	}
	return fail(kbs.ErrPluginInternal, pluginFailed, err)
}

// attestationClaims finds the caller's attestation token (an attested
// session cookie first, then Authorization: Bearer) and verifies it; a token
// from our own session store is verified too, as upstream does, though one
// the co-located AS signed or one verified before costs no signature check
// (token.WithIssuer).
func (s *Server) attestationClaims(r *http.Request) (map[string]any, error) {
	token, ok := s.sessionToken(r)
	if !ok {
		token, ok = bearerToken(r)
	}
	if !ok {
		return nil, fail(kbs.ErrTokenNotFound, tokenNotFound, nil)
	}
	claims, err := s.tokens.Verify(r.Context(), token)
	if err != nil {
		return nil, fail(kbs.ErrTokenVerifier, tokenRejected, err)
	}
	return claims, nil
}

// sessionToken is the token of an attested, unexpired cookie session.
func (s *Server) sessionToken(r *http.Request) (string, bool) {
	cookie, err := r.Cookie(kbs.SessionCookie)
	if err != nil {
		return "", false
	}
	sess, err := s.sessions.Get(r.Context(), cookie.Value)
	if err != nil || !sess.Attested() {
		return "", false
	}
	return sess.Token, true
}

// bearerToken reads "Authorization: Bearer <token>" (scheme case-insensitive).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// checkResourcePolicy evaluates data.policy.allow with the token claims as
// input and upstream HEAD's data document. A policy that leaves allow
// undefined or non-boolean denies, counted as a policy error.
func (s *Server) checkResourcePolicy(ctx context.Context, claims map[string]any, name string, req *plugin.Request) error {
	s.metrics.PolicyEvaluations.Inc()
	module, err := s.resourcePolicy(ctx)
	if err != nil {
		s.metrics.PolicyErrors.Inc()
		return fail(kbs.ErrPolicyEngine, policyFailed, err)
	}
	query := make(map[string]any, len(req.Query))
	for k, v := range req.Query {
		query[k] = v
	}
	segments := make([]any, len(req.Path))
	for i, seg := range req.Path {
		segments[i] = seg
	}
	data := map[string]any{"plugin": name, "resource-path": segments, "query": query}
	allowed, err := s.policy.Allow(ctx, module, claims, data)
	switch {
	case errors.Is(err, policy.ErrNotBoolean):
		s.metrics.PolicyErrors.Inc()
		s.metrics.PolicyViolations.Inc()
		return fail(kbs.ErrPolicyDeny, policyDenied, err)
	case err != nil:
		s.metrics.PolicyErrors.Inc()
		return fail(kbs.ErrPolicyEngine, policyFailed, err)
	case !allowed:
		s.metrics.PolicyViolations.Inc()
		return fail(kbs.ErrPolicyDeny, policyDenied, nil)
	}
	s.metrics.PolicyApprovals.Inc()
	return nil
}

// lookupInitData is /submods/cpu0/ear.veraison.annotated-evidence/init_data_claims.
func lookupInitData(claims map[string]any) any {
	var v any = claims
	for _, key := range []string{"submods", "cpu0", "ear.veraison.annotated-evidence", initDataClaims} {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[key]
	}
	return v
}

// firstValues flattens the query to one value per key, as upstream's
// HashMap<String, String> extractor keeps it.
func firstValues(r *http.Request) map[string]string {
	values := r.URL.Query()
	out := make(map[string]string, len(values))
	for k, v := range values {
		out[k] = v[0]
	}
	return out
}

// writeRaw answers a plugin's unencrypted body.
func writeRaw(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
