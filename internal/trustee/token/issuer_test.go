package token

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func TestJWKSMatchesUpstreamFixture(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{
		SignerKeyPath:  upstream.Path(t, "trustee/as/jwk/signing-key.pem"),
		SignerCertPath: upstream.Path(t, "trustee/as/jwk/cert-chain.pem"),
	})
	got, err := json.Marshal(issuer.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var gotJSON, wantJSON any
	if err := json.Unmarshal(got, &gotJSON); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(upstream.Read(t, "trustee/as/jwk/expected-jwks.json"), &wantJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotJSON, wantJSON) {
		t.Errorf("JWKS differs from upstream fixture\n got: %s", got)
	}
}

// The upstream example token payload, re-issued from its own inputs at its
// own time, must come out identical. The example predates upstream adding
// "iss", which HEAD (and Cocoon) add.
func TestIssueReproducesUpstreamExamplePayload(t *testing.T) {
	var example map[string]any
	dec := json.NewDecoder(bytes.NewReader(upstream.Read(t, "trustee/as/example.token.json")))
	dec.UseNumber()
	if err := dec.Decode(&example); err != nil {
		t.Fatal(err)
	}
	cpu0 := example["submods"].(map[string]any)["cpu0"].(map[string]any)
	vector := map[string]int{}
	for name, value := range cpu0["ear.trustworthiness-vector"].(map[string]any) {
		n, _ := value.(json.Number).Int64()
		vector[name] = int(n)
	}
	iat, _ := example["iat"].(json.Number).Int64()

	issuer := newTestIssuer(t, IssuerConfig{BuildName: "attestation-service 0.1.0"})
	issuer.now = func() time.Time { return time.Unix(iat, 0) }
	token, err := issuer.Issue(context.Background(), map[string]Submodule{"cpu0": {
		TrustVector:       vector,
		PolicyID:          cpu0["ear.appraisal-policy-id"].(string),
		AnnotatedEvidence: cpu0["ear.veraison.annotated-evidence"].(map[string]any),
	}})
	if err != nil {
		t.Fatal(err)
	}
	payload := decodeSegment(t, token, 1)
	if payload["iss"] != DefaultIssuerName {
		t.Errorf("iss = %v, want %q", payload["iss"], DefaultIssuerName)
	}
	delete(payload, "iss")
	if !reflect.DeepEqual(payload, example) {
		got, _ := json.MarshalIndent(payload, "", "  ")
		t.Errorf("payload differs from upstream example:\n%s", got)
	}
}

func TestIssueHeaderCarriesJWK(t *testing.T) {
	key := newP256(t)
	ca := newTestCA(t, "header-ca")
	leaf := ca.certify(t, &key.PublicKey, "signer")
	issuer := newTestIssuer(t, IssuerConfig{
		SignerKeyPath:  writeFile(t, "key.pem", keyPEM(t, key)),
		SignerCertPath: writeFile(t, "chain.pem", certsPEM(leaf, ca.cert)),
		SignerCertURL:  "https://trustee.example/certs.pem",
	})
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	header := decodeSegment(t, token, 0)
	if keys := sortedKeys(nil, header); !reflect.DeepEqual(keys, []string{"alg", "jwk", "typ"}) {
		t.Errorf("header members %v", keys)
	}
	if header["alg"] != "ES256" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	jwk := header["jwk"].(map[string]any)
	if keys := sortedKeys(nil, jwk); !reflect.DeepEqual(keys, []string{"alg", "crv", "kty", "x", "x5c", "x5u", "y"}) {
		t.Errorf("jwk members %v", keys)
	}
	if jwk["alg"] != "ES256" || jwk["crv"] != "P-256" || jwk["kty"] != "EC" || jwk["x5u"] != "https://trustee.example/certs.pem" {
		t.Errorf("jwk %v", jwk)
	}
	if x5c := jwk["x5c"].([]any); len(x5c) != 2 {
		t.Errorf("x5c has %d certificates, want 2", len(x5c))
	}

	payload := decodeSegment(t, token, 1)
	if keys := sortedKeys(nil, payload); !reflect.DeepEqual(keys, []string{"ear.verifier-id", "eat_profile", "exp", "iat", "iss", "submods"}) {
		t.Errorf("payload members %v", keys)
	}
	iat, _ := payload["iat"].(json.Number).Int64()
	exp, _ := payload["exp"].(json.Number).Int64()
	if iat != testNow.Unix() || exp != iat+5*60 {
		t.Errorf("iat %d exp %d, want %d and +300", iat, exp, testNow.Unix())
	}
	if payload["eat_profile"] != DefaultProfileName {
		t.Errorf("eat_profile %v", payload["eat_profile"])
	}
	vid := payload["ear.verifier-id"].(map[string]any)
	if vid["developer"] != DefaultDeveloperName || !strings.HasPrefix(vid["build"].(string), "cocoon-trustee ") {
		t.Errorf("verifier-id %v", vid)
	}
}

func TestNewIssuerKeyFormats(t *testing.T) {
	p256 := newP256(t)
	sec1, err := x509.MarshalECPrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(key any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ecParams := []byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n")
	cases := []struct {
		name string
		pem  []byte
		ok   bool
	}{
		{"pkcs8 p256", pkcs8(p256), true},
		{"sec1 p256 after EC PARAMETERS", append(ecParams, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), true},
		{"p384", pkcs8(p384), false},
		{"rsa", pkcs8(rsaKey), false},
		{"not pem", []byte("hello"), false},
		{"corrupt pkcs8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), false},
	}
	for _, c := range cases {
		_, err := NewIssuer(IssuerConfig{SignerKeyPath: writeFile(t, "key.pem", c.pem)}, discard)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestNewIssuerRejectsInconsistentConfig(t *testing.T) {
	key := newP256(t)
	other := newP256(t)
	ca := newTestCA(t, "ca")
	keyPath := writeFile(t, "key.pem", keyPEM(t, key))
	cases := map[string]IssuerConfig{
		"chain for another key": {SignerKeyPath: keyPath, SignerCertPath: writeFile(t, "c.pem", certsPEM(ca.certify(t, &other.PublicKey, "x")))},
		"chain without certs":   {SignerKeyPath: keyPath, SignerCertPath: writeFile(t, "c.pem", []byte("nothing"))},
		"missing key file":      {SignerKeyPath: keyPath + ".absent"},
		"relative cert url":     {SignerKeyPath: keyPath, SignerCertURL: "certs.pem"},
		"negative duration":     {DurationMin: -1},
	}
	for name, cfg := range cases {
		if _, err := NewIssuer(cfg, discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEphemeralIssuerWarnsAndSigns(t *testing.T) {
	var logs bytes.Buffer
	issuer, err := NewIssuer(IssuerConfig{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "ephemeral") {
		t.Errorf("no warning about the ephemeral key: %q", logs.String())
	}
	token, err := issuer.Issue(context.Background(), sampleSubmods)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{}, discard, WithTrustedKey(issuer.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Errorf("own token refused: %v", err)
	}
}

func TestGenerateSigningKeyPEMRoundTrips(t *testing.T) {
	data, err := GenerateSigningKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Errorf("not PKCS#8 PEM: %q", data[:30])
	}
	if _, err := parseSigningKey(data); err != nil {
		t.Errorf("generated key does not load: %v", err)
	}
}

func TestIssueRejectsBadAppraisals(t *testing.T) {
	issuer := newTestIssuer(t, IssuerConfig{})
	ctx := context.Background()
	if _, err := issuer.Issue(ctx, nil); err == nil {
		t.Error("empty submodules accepted")
	}
	if _, err := issuer.Issue(ctx, map[string]Submodule{"cpu0": {TrustVector: map[string]int{"bogus": 1}}}); err == nil {
		t.Error("unknown trust claim accepted")
	}
	if _, err := issuer.Issue(ctx, map[string]Submodule{"cpu0": {Extensions: map[string]any{"bad": func() {}}}}); err == nil {
		t.Error("unencodable extension accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := issuer.Issue(cancelled, sampleSubmods); err == nil {
		t.Error("cancelled context ignored")
	}
}
