package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// Upstream kbs/src/crypto/jwt.rs test_verify_jwk_endorsement_scenarios.
func TestEndorsementUpstreamScenarios(t *testing.T) {
	cases := []struct {
		scenario string
		ok       bool
	}{
		{"01", true},  // leaf directly under a self-signed trusted root
		{"02", false}, // x5c leaf is for another key
		{"03", false}, // no x5c
		{"04", false}, // chain ends at an untrusted root
		{"05", true},  // leaf, intermediate, trusted root
		{"06", true},  // intermediates out of order, trust file shuffled with a decoy
		{"07", true},  // x5c also carries a (trusted) root
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			base := "trustee/kbs/jwk/scenario" + c.scenario
			roots, err := parseCertChain(upstream.Read(t, base+"-trust.pem"))
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			for _, r := range roots {
				pool.AddCert(r)
			}
			key, x5c, err := parsePublicJWK(upstream.Read(t, base+"-jwk.json"))
			if err != nil {
				t.Fatal(err)
			}
			err = endorse(key, x5c, pool, testNow)
			if (err == nil) != c.ok {
				t.Errorf("endorse: err = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// signedBy builds a compact JWS with arbitrary header members and claims.
func signedBy(t testing.TB, alg jose.SignatureAlgorithm, key any, header map[string]any, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for name, value := range header {
		opts.WithHeader(jose.HeaderKey(name), value)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func publicJWK(key any, alg string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key, Algorithm: alg}
}

func validClaims() map[string]any {
	return map[string]any{"exp": testNow.Add(time.Minute).Unix(), "iss": "test"}
}

func mustRefuse(t *testing.T, v *Verifier, token, why string) {
	t.Helper()
	_, err := v.Verify(context.Background(), token)
	if !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("%s: err = %v, want ErrTokenInvalid", why, err)
	}
	t.Logf("%s: %v", why, err)
}

func mustAccept(t *testing.T, v *Verifier, token string) map[string]any {
	t.Helper()
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("token refused: %v", err)
	}
	return claims
}

func TestVerifyHeaderJWKEndorsedByTrustedCA(t *testing.T) {
	key := newP256(t)
	ca := newTestCA(t, "trustee-ca")
	issuer := newTestIssuer(t, IssuerConfig{
		SignerKeyPath:  writeFile(t, "key.pem", keyPEM(t, key)),
		SignerCertPath: writeFile(t, "chain.pem", certsPEM(ca.certify(t, &key.PublicKey, "signer"))),
	})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}

	trusting := newTestVerifier(t, VerifierConfig{TrustedCertsPaths: []string{writeFile(t, "ca.pem", certsPEM(ca.cert))}})
	claims := mustAccept(t, trusting, token)
	teeKey, err := trusting.TeePubKey(claims)
	if err != nil || teeKey.Kty != "EC" || teeKey.X != "eA" {
		t.Errorf("TeePubKey = %+v, %v", teeKey, err)
	}

	other := newTestCA(t, "other-ca")
	mustRefuse(t, newTestVerifier(t, VerifierConfig{TrustedCertsPaths: []string{writeFile(t, "o.pem", certsPEM(other.cert))}}),
		token, "chain to an untrusted CA")

	jwksOnly := newTestVerifier(t, VerifierConfig{TrustedJWKSets: []string{writeJWKS(t, "k1", &key.PublicKey)}})
	mustRefuse(t, jwksOnly, token, "header jwk with no trusted certificates")
}

func TestVerifyHeaderJWKWithoutChain(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t, "ca")
	mustRefuse(t, newTestVerifier(t, VerifierConfig{TrustedCertsPaths: []string{writeFile(t, "ca.pem", certsPEM(ca.cert))}}),
		token, "no x5c")
	mustAccept(t, newTestVerifier(t, VerifierConfig{InsecureHeaderJWK: true}), token)
	mustAccept(t, newTestVerifier(t, VerifierConfig{}, WithTrustedKey(issuer.PublicKey())), token)
	mustRefuse(t, newTestVerifier(t, VerifierConfig{}, WithTrustedKey(&newP256(t).PublicKey)), token, "other pinned key")
}

func TestVerifyRefusesForgeries(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	pinned := issuer.PublicKey()
	v := newTestVerifier(t, VerifierConfig{}, WithTrustedKey(pinned))
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	mustAccept(t, v, token)
	parts := strings.Split(token, ".")

	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 0x01
	mustRefuse(t, v, parts[0]+"."+parts[1]+"."+base64.RawURLEncoding.EncodeToString(sig), "forged signature")

	payload := decodeSegment(t, token, 1)
	payload["exp"] = testNow.Add(24 * time.Hour).Unix()
	tampered, _ := json.Marshal(payload)
	mustRefuse(t, v, parts[0]+"."+base64.RawURLEncoding.EncodeToString(tampered)+"."+parts[2], "tampered payload")

	// A token signed by the attacker's key but naming the pinned key.
	attacker := newP256(t)
	mustRefuse(t, v, signedBy(t, jose.ES256, attacker, map[string]any{"jwk": publicJWK(pinned, "ES256")}, validClaims()),
		"signed by another key")

	noneHeader, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT", "jwk": publicJWK(pinned, "ES256")})
	mustRefuse(t, v, base64.RawURLEncoding.EncodeToString(noneHeader)+"."+parts[1]+".", "alg none")

	// HMAC keyed with the public key the verifier trusts: the classic confusion attack.
	pubDER, err := x509.MarshalPKIXPublicKey(pinned)
	if err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, v, signedBy(t, jose.HS256, pubDER, map[string]any{"jwk": publicJWK(pinned, "ES256")}, validClaims()),
		"HS256 with the public key as secret")

	for _, garbage := range []string{"", "a", "a.b", "a.b.c", "a.b.c.d", token + "x", "." + parts[1] + "." + parts[2]} {
		mustRefuse(t, v, garbage, fmt.Sprintf("garbage %q", garbage))
	}
}

func TestVerifyAlgorithmMustMatchKey(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, VerifierConfig{InsecureHeaderJWK: true})
	header := map[string]any{"jwk": publicJWK(&rsaKey.PublicKey, "RS256")}
	mustAccept(t, v, signedBy(t, jose.RS256, rsaKey, header, validClaims()))
	mustRefuse(t, v, signedBy(t, jose.PS256, rsaKey, header, validClaims()), "PS256 token for an RS256 key")
	mustRefuse(t, v, signedBy(t, jose.RS256, rsaKey, map[string]any{}, validClaims()), "no jwk and no kid")
}

func TestVerifyValidityPeriod(t *testing.T) {
	key := newP256(t)
	v := newTestVerifier(t, VerifierConfig{}, WithTrustedKey(&key.PublicKey))
	header := map[string]any{"jwk": publicJWK(&key.PublicKey, "ES256")}
	sign := func(claims map[string]any) string { return signedBy(t, jose.ES256, key, header, claims) }
	at := func(d time.Duration) int64 { return testNow.Add(d).Unix() }

	mustAccept(t, v, sign(map[string]any{"exp": at(-30 * time.Second)}))                 // inside the 60 s leeway
	mustAccept(t, v, sign(map[string]any{"exp": at(time.Hour), "nbf": at(time.Minute)})) // nbf inside leeway
	mustAccept(t, v, sign(map[string]any{"exp": float64(at(time.Hour)) + 0.5}))
	mustRefuse(t, v, sign(map[string]any{"exp": at(-2 * time.Minute)}), "expired")
	mustRefuse(t, v, sign(map[string]any{"iss": "x"}), "no exp")
	mustRefuse(t, v, sign(map[string]any{"exp": "tomorrow"}), "string exp")
	mustRefuse(t, v, sign(map[string]any{"exp": 1e300}), "absurd exp")
	mustRefuse(t, v, sign(map[string]any{"exp": at(time.Hour), "nbf": at(5 * time.Minute)}), "not yet valid")

	issuer := newTestIssuer(t, IssuerConfig{})
	issuer.now = func() time.Time { return testNow.Add(-10 * time.Minute) }
	stale, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, newTestVerifier(t, VerifierConfig{}, WithTrustedKey(issuer.PublicKey())), stale, "issued token past its 5 min")
}

func writeJWKS(t testing.TB, kid string, pub *ecdsa.PublicKey) string {
	t.Helper()
	data, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: kid, Algorithm: "ES256"}}})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "jwks.json", data)
}

func signedWithKid(t testing.TB, key *ecdsa.PrivateKey, kid string) string {
	return signedBy(t, jose.ES256, jose.JSONWebKey{Key: key, KeyID: kid}, nil, validClaims())
}

func TestVerifyKidFromTrustedJWKSFile(t *testing.T) {
	key := newP256(t)
	path := writeJWKS(t, "k1", &key.PublicKey)
	for _, source := range []string{path, "file://" + path} {
		v := newTestVerifier(t, VerifierConfig{TrustedJWKSets: []string{source}})
		mustAccept(t, v, signedWithKid(t, key, "k1"))
		mustRefuse(t, v, signedWithKid(t, key, "k2"), "unknown kid")
		mustRefuse(t, v, signedWithKid(t, newP256(t), "k1"), "kid of another key")
	}
}

func TestVerifyKidFromHTTPSAndOpenIDDiscovery(t *testing.T) {
	key := newP256(t)
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "remote"}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	server := httptest.NewTLSServer(mux)
	defer server.Close()
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) { w.Write(jwks) })
	mux.HandleFunc("/realm/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, server.URL+"/realm", server.URL+"/keys")
	})
	for _, source := range []string{server.URL + "/keys", server.URL + "/realm"} {
		v := newTestVerifier(t, VerifierConfig{TrustedJWKSets: []string{source}}, WithHTTPClient(server.Client()))
		mustAccept(t, v, signedWithKid(t, key, "remote"))
	}
	if _, err := NewVerifier(VerifierConfig{TrustedJWKSets: []string{server.URL + "/nothing"}}, discard, WithHTTPClient(server.Client())); err == nil {
		t.Error("source with neither JWKS nor OpenID configuration accepted")
	}
}

func TestNewVerifierRefusesUselessOrBrokenConfig(t *testing.T) {
	cases := map[string]VerifierConfig{
		"nothing trusted":   {},
		"missing cert file": {TrustedCertsPaths: []string{"/nonexistent/ca.pem"}},
		"cert file no PEM":  {TrustedCertsPaths: []string{writeFile(t, "x.pem", []byte("junk"))}},
		"http JWKS":         {TrustedJWKSets: []string{"http://example.com/jwks"}},
		"bad JWKS file":     {TrustedJWKSets: []string{writeFile(t, "j.json", []byte("{"))}},
	}
	for name, cfg := range cases {
		if _, err := NewVerifier(cfg, discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestVerifyHonoursCancelledContext(t *testing.T) {
	v := newTestVerifier(t, VerifierConfig{InsecureHeaderJWK: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Verify(ctx, "a.b.c"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
