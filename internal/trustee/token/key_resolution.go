package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// allowedAlgorithms are the asymmetric JWS algorithms upstream's verifier
// (jsonwebtoken) supports. "none" and the HMAC family are never accepted: an
// HS256 token "signed" with a public key as secret must not pass.
var allowedAlgorithms = []jose.SignatureAlgorithm{
	jose.ES256, jose.ES384, jose.ES512,
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.EdDSA,
}

func allowedAlgorithm(alg string) bool {
	return slices.Contains(allowedAlgorithms, jose.SignatureAlgorithm(alg))
}

// jwsHeader holds the protected-header members that select the key.
type jwsHeader struct {
	Alg string          `json:"alg"`
	Kid string          `json:"kid"`
	JWK json.RawMessage `json:"jwk"`
}

func parseHeader(token string) (jwsHeader, error) {
	encoded, _, ok := strings.Cut(token, ".")
	if !ok || strings.Count(token, ".") != 2 {
		return jwsHeader{}, errors.New("not a compact JWS (want three dot-separated parts)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return jwsHeader{}, fmt.Errorf("header is not base64url: %w", err)
	}
	var header jwsHeader
	if err := json.Unmarshal(raw, &header); err != nil {
		return jwsHeader{}, fmt.Errorf("header is not a JSON object: %w", err)
	}
	return header, nil
}

// verificationKey selects the key that must have signed the token, following
// upstream: a header "jwk" is used when it is pinned, endorsed by a trusted
// CA through its "x5c", or insecure mode is on; otherwise the header "kid"
// names a key of the trusted JWK sets.
func (v *Verifier) verificationKey(header jwsHeader) (jose.JSONWebKey, error) {
	if len(header.JWK) > 0 && !bytes.Equal(header.JWK, []byte("null")) {
		key, x5c, err := parsePublicJWK(header.JWK)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("header jwk: %w", err)
		}
		if v.insecureHeaderJWK || v.isPinned(key) {
			return key, nil
		}
		if v.trustedCerts == nil {
			return jose.JSONWebKey{}, errors.New("header jwk cannot be endorsed: no trusted certificates configured")
		}
		if err := endorse(key, x5c, v.trustedCerts, v.now()); err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("header jwk: %w", err)
		}
		return key, nil
	}
	if header.Kid == "" {
		return jose.JSONWebKey{}, errors.New("token header names no key (neither jwk nor kid)")
	}
	keys := v.trustedJWKs.Key(header.Kid)
	if len(keys) == 0 {
		return jose.JSONWebKey{}, fmt.Errorf("kid %q is not in the trusted JWK sets", header.Kid)
	}
	return keys[0], nil
}

func (v *Verifier) isPinned(key jose.JSONWebKey) bool {
	for _, pinned := range v.pinnedKeys {
		if pinned.Equal(key.Key) {
			return true
		}
	}
	return false
}

// parsePublicJWK decodes a JWK and returns its "x5c" apart. The chain is
// checked by endorse rather than by go-jose, so that a key whose chain does
// not match is refused with a precise reason, and so that the x5t members
// (hashes of that same chain) add nothing to trust.
func parsePublicJWK(raw json.RawMessage) (jose.JSONWebKey, []string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return jose.JSONWebKey{}, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	var x5c []string
	if chain, ok := members["x5c"]; ok {
		if err := json.Unmarshal(chain, &x5c); err != nil {
			return jose.JSONWebKey{}, nil, fmt.Errorf("x5c is not an array of strings: %w", err)
		}
	}
	for _, member := range []string{"x5c", "x5t", "x5t#S256"} {
		delete(members, member)
	}
	stripped, err := json.Marshal(members)
	if err != nil {
		return jose.JSONWebKey{}, nil, err
	}
	var key jose.JSONWebKey
	if err := key.UnmarshalJSON(stripped); err != nil {
		return jose.JSONWebKey{}, nil, err
	}
	if !key.IsPublic() {
		return jose.JSONWebKey{}, nil, errors.New("not an asymmetric public key")
	}
	return key, x5c, nil
}
