package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

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

// verificationKey selects the key that must have signed the token, following
// upstream: a header "jwk" is used when it is pinned, endorsed by a trusted
// CA through its "x5c", or insecure mode is on; otherwise the header "kid"
// names a key of the trusted JWK sets. cacheable reports a header key
// trusted without a chain, which keyCache may keep once it verified.
func (v *Verifier) verificationKey(jws *compactJWS) (key jose.JSONWebKey, cacheable bool, err error) {
	if raw := jws.header["jwk"]; len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		return v.headerKey(raw)
	}
	kid, err := jws.stringMember("kid")
	if err != nil {
		return jose.JSONWebKey{}, false, err
	}
	if kid == "" {
		return jose.JSONWebKey{}, false, errors.New("token header names no key (neither jwk nor kid)")
	}
	keys := v.trustedJWKs.Key(kid)
	if len(keys) == 0 {
		return jose.JSONWebKey{}, false, fmt.Errorf("kid %q is not in the trusted JWK sets", kid)
	}
	return keys[0], false, nil
}

// headerKey decides whether the header "jwk" (raw) may verify the token.
func (v *Verifier) headerKey(raw json.RawMessage) (jose.JSONWebKey, bool, error) {
	if key, ok := v.headerKeys.get(raw); ok {
		return key, false, nil
	}
	key, x5c, err := parsePublicJWK(raw)
	if err != nil {
		return jose.JSONWebKey{}, false, fmt.Errorf("header jwk: %w", err)
	}
	if v.insecureHeaderJWK || v.isPinned(key) {
		return key, true, nil
	}
	if v.trustedCerts == nil {
		return jose.JSONWebKey{}, false, errors.New("header jwk cannot be endorsed: no trusted certificates configured")
	}
	// An endorsed key is checked every time: its chain's validity depends
	// on the time.
	if err := endorse(key, x5c, v.trustedCerts, v.now()); err != nil {
		return jose.JSONWebKey{}, false, fmt.Errorf("header jwk: %w", err)
	}
	return key, false, nil
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
