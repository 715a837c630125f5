package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Every algorithm the verifier allows, signed by go-jose, verifies; the
// same token under another algorithm's name does not.
func TestVerifyEveryAllowedAlgorithm(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey := func(c elliptic.Curve) *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	keys := map[jose.SignatureAlgorithm]any{
		jose.ES256: ecKey(elliptic.P256()), jose.ES384: ecKey(elliptic.P384()), jose.ES512: ecKey(elliptic.P521()),
		jose.RS256: rsaKey, jose.RS384: rsaKey, jose.RS512: rsaKey,
		jose.PS256: rsaKey, jose.PS384: rsaKey, jose.PS512: rsaKey,
		jose.EdDSA: edKey,
	}
	if len(keys) != len(allowedAlgorithms) {
		t.Fatalf("test covers %d algorithms, %d are allowed", len(keys), len(allowedAlgorithms))
	}
	v := newTestVerifier(t, VerifierConfig{InsecureHeaderJWK: true})
	for alg, key := range keys {
		private := jose.JSONWebKey{Key: key}
		pub := private.Public().Key
		token := signedBy(t, alg, key, map[string]any{"jwk": publicJWK(pub, "")}, validClaims())
		mustAccept(t, v, token)
		for other := range keys {
			if other != alg {
				mustRefuse(t, v, renameAlg(t, token, other), string(alg)+" token relabelled "+string(other))
			}
		}
	}
}

// renameAlg rewrites the header's alg and keeps payload and signature.
func renameAlg(t *testing.T, token string, alg jose.SignatureAlgorithm) string {
	t.Helper()
	parts := strings.Split(token, ".")
	var header map[string]json.RawMessage
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatal(err)
	}
	header["alg"], _ = json.Marshal(alg)
	raw, _ = json.Marshal(header)
	return base64.RawURLEncoding.EncodeToString(raw) + "." + parts[1] + "." + parts[2]
}

// Header members that would change what is signed are refused, and member
// names are exact (JSON object keys are case-sensitive).
func TestVerifyRefusesUnsupportedHeaders(t *testing.T) {
	key := newP256(t)
	v := newTestVerifier(t, VerifierConfig{}, WithTrustedKey(&key.PublicKey))
	jwk := publicJWK(&key.PublicKey, "ES256")
	mustAccept(t, v, signedBy(t, jose.ES256, key, map[string]any{"jwk": jwk, "b64": true}, validClaims()))
	mustRefuse(t, v, signedBy(t, jose.ES256, key, map[string]any{"jwk": jwk, "crit": []string{"exp"}, "exp": 1}, validClaims()), "crit")
	mustRefuse(t, v, signedBy(t, jose.ES256, key, map[string]any{"jwk": jwk, "b64": false}, validClaims()), "b64 false")

	header, _ := json.Marshal(map[string]any{"ALG": "ES256", "jwk": jwk})
	token := signedBy(t, jose.ES256, key, map[string]any{"jwk": jwk}, validClaims())
	parts := strings.Split(token, ".")
	mustRefuse(t, v, base64.RawURLEncoding.EncodeToString(header)+"."+parts[1]+"."+parts[2], "ALG instead of alg")
}

// The key cache holds only keys that verified a token, at most
// keyCacheSize of them, and a cached key still has to verify each token.
func TestVerifyKeyCache(t *testing.T) {
	v := newTestVerifier(t, VerifierConfig{InsecureHeaderJWK: true})
	for range keyCacheSize + 4 {
		key := newP256(t)
		header := map[string]any{"jwk": publicJWK(&key.PublicKey, "ES256")}
		mustRefuse(t, v, signedBy(t, jose.ES256, newP256(t), header, validClaims()), "signed by another key")
		mustAccept(t, v, signedBy(t, jose.ES256, key, header, validClaims()))
		mustRefuse(t, v, signedBy(t, jose.ES256, newP256(t), header, validClaims()), "signed by another key, key cached")
	}
	if n := len(v.headerKeys.keys); n != keyCacheSize {
		t.Fatalf("cache holds %d keys, want %d", n, keyCacheSize)
	}
}
