package kbstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func (s *Server) issueToken(claims map[string]any) (string, error) {
	now := s.now()
	all := jwt.MapClaims{"iss": "kbstest", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(s.tokenTTL).Unix()}
	for k, v := range claims {
		all[k] = v
	}
	return jwt.NewWithClaims(jwt.SigningMethodES256, all).SignedString(s.tokenKey)
}

// attestationToken finds the token of a request as Trustee does: an
// attested session's token first, then a Bearer token; either is verified.
func (s *Server) attestationToken(r *http.Request) (jwt.MapClaims, kbs.ErrorVariant, error) {
	raw := ""
	if _, sess, ok := s.sessionOf(r); ok && sess.token != "" {
		raw = sess.token
	} else if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		raw = bearer
	}
	if raw == "" {
		return nil, kbs.ErrTokenNotFound, errors.New("attestation token not found")
	}
	var claims jwt.MapClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return &s.tokenKey.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	if err != nil {
		return nil, kbs.ErrTokenVerifier, err
	}
	return claims, "", nil
}

// teePubKey reads the EAR claim Trustee encrypts resources to.
func teePubKey(claims jwt.MapClaims) (kbs.TeePubKey, error) {
	var key kbs.TeePubKey
	cpu0, _ := claims["submods"].(map[string]any)["cpu0"].(map[string]any)
	annotated, _ := cpu0["ear.veraison.annotated-evidence"].(map[string]any)
	runtime, _ := annotated["runtime_data_claims"].(map[string]any)
	raw, err := json.Marshal(runtime["tee-pubkey"])
	if err != nil {
		return key, err
	}
	if err := json.Unmarshal(raw, &key); err != nil || key.Kty == "" {
		return key, fmt.Errorf("token carries no tee-pubkey")
	}
	return key, nil
}
