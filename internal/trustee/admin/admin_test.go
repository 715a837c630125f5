package admin

import (
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

type authCase struct {
	name          string
	path          string // default /kbs/v0/resource/a/b/c
	authorization string
	reason        string // "" = allowed; else a substring of the refusal
}

func runCases(t *testing.T, a Authorizer, cases []authCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/kbs/v0/resource/a/b/c"
			}
			err := a.Authorize(request(path, tc.authorization))
			switch {
			case tc.reason == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.reason != "" && err == nil:
				t.Fatal("allowed")
			case tc.reason != "" && (!errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tc.reason)):
				t.Fatalf("error %q, want ErrUnauthorized mentioning %q", err, tc.reason)
			}
		})
	}
}

// commonEdDSACases hold for every mode that verifies Ed25519 tokens; good
// carries the claims the mode needs to grant access.
func commonEdDSACases(t *testing.T, keys, stranger edKeys, good jwt.MapClaims) []authCase {
	now := time.Now()
	with := func(times jwt.MapClaims) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range good {
			c[k] = v
		}
		for k, v := range times {
			c[k] = v
		}
		return c
	}
	signed, err := SignToken(keys.priv, good, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	priv := keys.signer(t)
	return []authCase{
		{name: "SignToken token", authorization: bearer(signed)},
		{name: "lower-case scheme", authorization: "bearer " + signed},
		{name: "expired", authorization: bearer(mint(t, jwt.SigningMethodEdDSA, priv,
			with(jwt.MapClaims{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}), nil)), reason: "expired"},
		{name: "not yet valid", authorization: bearer(mint(t, jwt.SigningMethodEdDSA, priv,
			with(jwt.MapClaims{"nbf": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix()}), nil)), reason: "not valid yet"},
		{name: "no exp", authorization: bearer(mint(t, jwt.SigningMethodEdDSA, priv, with(nil), nil)), reason: "exp"},
		{name: "wrong key", authorization: bearer(mint(t, jwt.SigningMethodEdDSA, stranger.signer(t), claimsAt(good), nil)), reason: "signature is invalid"},
		{name: "alg none", authorization: bearer(mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsAt(good), nil)), reason: "signing method none is invalid"},
		{name: "HS256 keyed with the public key", authorization: bearer(mint(t, jwt.SigningMethodHS256, keys.pub, claimsAt(good), nil)), reason: "signing method HS256 is invalid"},
		{name: "no header", reason: "missing bearer token"},
		{name: "basic auth", authorization: "Basic YWRtaW46YWRtaW4=", reason: "not a bearer token"},
		{name: "empty bearer", authorization: "Bearer   ", reason: "empty bearer token"},
		{name: "garbage", authorization: "Bearer not.a.jwt", reason: "malformed"},
	}
}

func TestSimpleMode(t *testing.T) {
	dir := t.TempDir()
	alice, bob, stranger := newEdKeys(t, dir, "alice.pub"), newEdKeys(t, dir, "bob.pub"), newEdKeys(t, dir, "x.pub")
	logger, logs := testLogger()
	a, err := New(config.Admin{Type: config.AdminSimple, Personas: []config.Persona{
		{ID: "alice", PublicKeyPath: alice.pubPath}, {ID: "bob", PublicKeyPath: bob.pubPath},
	}}, logger)
	if err != nil {
		t.Fatal(err)
	}
	// v0.16 needs no claims at all beyond the times.
	cases := commonEdDSACases(t, bob, stranger, jwt.MapClaims{})
	bobToken, err := SignToken(bob.priv, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, authCase{name: "second persona", authorization: bearer(bobToken), path: "/kbs/v0/resource-policy"})
	runCases(t, a, cases)
	if strings.Contains(logs.String(), bobToken) || strings.Contains(logs.String(), bobToken[strings.LastIndex(bobToken, ".")+1:]) {
		t.Error("a token was logged")
	}
	if !strings.Contains(logs.String(), "persona=bob") {
		t.Errorf("grant not logged with the persona: %s", logs)
	}
}

func TestSimpleModeWithoutPersonasDeniesAll(t *testing.T) {
	logger, logs := testLogger()
	a, err := New(config.Admin{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(request("/kbs/v0/resource/a/b/c", "Bearer x.y.z")); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(logs.String(), "no personas") {
		t.Errorf("no warning: %s", logs)
	}
}

func TestSimpleModeRejectsNonEd25519Persona(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "ec.pub", pemPublic(t, &newECKey(t, elliptic.P256()).PublicKey))
	_, err := New(config.Admin{Personas: []config.Persona{{ID: "a", PublicKeyPath: path}}}, discard())
	if err == nil || !strings.Contains(err.Error(), "Ed25519") {
		t.Fatalf("err = %v", err)
	}
}

// bearerAdmin is an AuthenticatedAuthorization config with the given
// providers and ACLs.
func bearerAdmin(idps []config.IdentityProvider, acls ...config.ACL) config.Admin {
	return config.Admin{
		AuthorizationMode: config.AdminAuthenticatedAuthorization,
		Authentication:    &config.AdminAuthentication{BearerJWT: &config.BearerJWT{IdentityProviders: idps}},
		Authorization:     &config.AdminAuthorization{RegexACL: &config.RegexACL{ACLs: acls}},
	}
}

func TestBearerJWTModeEd25519(t *testing.T) {
	dir := t.TempDir()
	keys, stranger := newEdKeys(t, dir, "kbs.pem"), newEdKeys(t, dir, "x.pem")
	logger, logs := testLogger()
	a, err := New(bearerAdmin(
		[]config.IdentityProvider{{Issuer: "issuer", Audience: "kbs", PublicKeyURI: "file://" + keys.pubPath}},
		config.ACL{Role: "admin", AllowedEndpoints: "^/kbs/.+$"},
		config.ACL{Role: "reader", AllowedEndpoints: "^/kbs/v0/reference-value/.+$"},
	), logger)
	if err != nil {
		t.Fatal(err)
	}
	good := jwt.MapClaims{"iss": "issuer", "aud": []string{"kbs"}, "role": "admin"}
	priv := keys.signer(t)
	tok := func(c jwt.MapClaims) string { return bearer(mint(t, jwt.SigningMethodEdDSA, priv, claimsAt(c), nil)) }
	cases := append(commonEdDSACases(t, keys, stranger, good),
		authCase{name: "aud as a string", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "kbs", "role": "admin"})},
		authCase{name: "aud among several", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": []string{"x", "kbs"}, "role": "admin"})},
		authCase{name: "aud mismatch", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "other", "role": "admin"}), reason: "audience"},
		authCase{name: "aud missing", authorization: tok(jwt.MapClaims{"iss": "issuer", "role": "admin"}), reason: "audience"},
		authCase{name: "iss mismatch", authorization: tok(jwt.MapClaims{"iss": "mallory", "aud": "kbs", "role": "admin"}), reason: "issuer"},
		authCase{name: "missing role", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "kbs"}), reason: "role"},
		authCase{name: "role not a string", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "kbs", "role": []string{"admin"}}), reason: "role"},
		authCase{name: "role without acl", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "kbs", "role": "root"}), reason: `role "root" is not allowed`},
		authCase{name: "acl regex miss", path: "/kbs/v0/resource/a/b/c", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "kbs", "role": "reader"}), reason: "not allowed"},
		authCase{name: "acl regex hit", path: "/kbs/v0/reference-value/x?y=1", authorization: tok(jwt.MapClaims{"iss": "issuer", "aud": "kbs", "role": "reader"})},
		authCase{name: "acl must match the whole path", path: "/metrics", authorization: tok(good), reason: "not allowed"},
	)
	runCases(t, a, cases)
	if strings.Contains(logs.String(), "eyJ") {
		t.Errorf("a token was logged: %s", logs)
	}
}

// Every algorithm upstream accepts, from PEM keys of each type, and a JWKS
// file selecting keys by kid.
func TestBearerJWTAlgorithms(t *testing.T) {
	dir := t.TempDir()
	p256, p384, rsaKey := newECKey(t, elliptic.P256()), newECKey(t, elliptic.P384()), newRSAKey(t, 2048)
	ed := newEdKeys(t, dir, "ed.pem")
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)})
	jwksKey := newECKey(t, elliptic.P256())
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &newECKey(t, elliptic.P256()).PublicKey, KeyID: "old", Algorithm: "ES256", Use: "sig"},
		{Key: &jwksKey.PublicKey, KeyID: "current", Algorithm: "ES256", Use: "sig"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(bearerAdmin([]config.IdentityProvider{
		{PublicKeyURI: writeFile(t, dir, "p256.pem", pemPublic(t, &p256.PublicKey))},
		{PublicKeyURI: writeFile(t, dir, "p384.pem", pemPublic(t, &p384.PublicKey))},
		{PublicKeyURI: writeFile(t, dir, "rsa.pem", pkcs1)},
		{PublicKeyURI: ed.pubPath},
		{JWKSetURI: "file://" + writeFile(t, dir, "jwks.json", jwks)},
	}, config.ACL{Role: "admin", AllowedEndpoints: "^/kbs/.+$"}), discard())
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{"role": "admin"}
	tok := func(m jwt.SigningMethod, key any, header map[string]any) string {
		return bearer(mint(t, m, key, claimsAt(c), header))
	}
	runCases(t, a, []authCase{
		{name: "ES256", authorization: tok(jwt.SigningMethodES256, p256, nil)},
		{name: "ES384", authorization: tok(jwt.SigningMethodES384, p384, nil)},
		{name: "RS256", authorization: tok(jwt.SigningMethodRS256, rsaKey, nil)},
		{name: "RS384", authorization: tok(jwt.SigningMethodRS384, rsaKey, nil)},
		{name: "RS512", authorization: tok(jwt.SigningMethodRS512, rsaKey, nil)},
		{name: "PS256", authorization: tok(jwt.SigningMethodPS256, rsaKey, nil)},
		{name: "PS384", authorization: tok(jwt.SigningMethodPS384, rsaKey, nil)},
		{name: "PS512", authorization: tok(jwt.SigningMethodPS512, rsaKey, nil)},
		{name: "EdDSA", authorization: tok(jwt.SigningMethodEdDSA, ed.signer(t), nil)},
		{name: "JWKS by kid", authorization: tok(jwt.SigningMethodES256, jwksKey, map[string]any{"kid": "current"})},
		{name: "JWKS without kid", authorization: tok(jwt.SigningMethodES256, jwksKey, nil)},
		{name: "JWKS wrong kid", authorization: tok(jwt.SigningMethodES256, jwksKey, map[string]any{"kid": "old"}), reason: "signature is invalid"},
		{name: "ES512 not accepted", authorization: tok(jwt.SigningMethodES512, newECKey(t, elliptic.P521()), nil), reason: "ES512 is invalid"},
		{name: "HS256 keyed with a PEM", authorization: tok(jwt.SigningMethodHS256, pemPublic(t, &p256.PublicKey), nil), reason: "HS256 is invalid"},
	})
}

func TestBearerJWTKeyLoadingErrors(t *testing.T) {
	dir := t.TempDir()
	oct, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "k", Algorithm: "HS256"}}})
	if err != nil {
		t.Fatal(err)
	}
	priv, _, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		idp  config.IdentityProvider
		want string
	}{
		"https JWKS":        {config.IdentityProvider{JWKSetURI: "https://auth.example.com/jwks"}, "not supported yet"},
		"other scheme":      {config.IdentityProvider{PublicKeyURI: "ftp://x/key.pem"}, "unsupported scheme"},
		"missing file":      {config.IdentityProvider{PublicKeyURI: filepath.Join(dir, "nope.pem")}, "no such file"},
		"not PEM":           {config.IdentityProvider{PublicKeyURI: writeFile(t, dir, "junk.pem", []byte("junk"))}, "no PEM block"},
		"private key PEM":   {config.IdentityProvider{PublicKeyURI: writeFile(t, dir, "priv.pem", priv)}, "not a public key"},
		"short RSA":         {config.IdentityProvider{PublicKeyURI: writeFile(t, dir, "rsa1024.pem", pemPublic(t, &newRSAKey(t, 1024).PublicKey))}, "shorter than 2048"},
		"P-521":             {config.IdentityProvider{PublicKeyURI: writeFile(t, dir, "p521.pem", pemPublic(t, &newECKey(t, elliptic.P521()).PublicKey))}, "not P-256 or P-384"},
		"symmetric JWK":     {config.IdentityProvider{JWKSetURI: writeFile(t, dir, "oct.json", oct)}, "not an asymmetric public key"},
		"JWKS not JSON":     {config.IdentityProvider{JWKSetURI: writeFile(t, dir, "bad.json", []byte("{"))}, "parse JWK set"},
		"JWKS without keys": {config.IdentityProvider{JWKSetURI: writeFile(t, dir, "empty.json", []byte(`{"keys":[]}`))}, "no signature keys"},
		"no key source":     {config.IdentityProvider{Issuer: "i"}, "public_key_uri and/or jwk_set_uri"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(bearerAdmin([]config.IdentityProvider{tc.idp}), discard())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// coco-as-grpc-2.toml gives two issuers their own keys and roles their own
// endpoints. As upstream: the provider whose key verifies and whose issuer
// matches authenticates; the role claim alone then selects the ACL.
func TestUpstreamGRPC2ACLSemantics(t *testing.T) {
	data := upstream.Read(t, "trustee/kbs/configs/coco-as-grpc-2.toml")
	var file struct {
		Admin config.Admin `toml:"admin"`
	}
	if _, err := toml.Decode(string(data), &file); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	admin1, admin2 := newEdKeys(t, dir, "admin1-pubkey.pem"), newEdKeys(t, dir, "admin2-pubkey.pem")
	idps := file.Admin.Authentication.BearerJWT.IdentityProviders
	if len(idps) != 2 || idps[0].Issuer != "admin1-issuer" || idps[1].Issuer != "admin2-issuer" {
		t.Fatalf("unexpected upstream identity providers: %+v", idps)
	}
	idps[0].PublicKeyURI, idps[1].PublicKeyURI = admin1.pubPath, admin2.pubPath // the upstream paths are /opt/...
	a, err := New(file.Admin, discard())
	if err != nil {
		t.Fatal(err)
	}
	tok := func(k edKeys, iss, role string) string {
		s, err := SignToken(k.priv, map[string]any{"iss": iss, "role": role}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return bearer(s)
	}
	runCases(t, a, []authCase{
		{name: "admin1 on resources", path: "/kbs/v0/resource/repo/type/tag", authorization: tok(admin1, "admin1-issuer", "admin1")},
		{name: "admin1 with a query", path: "/kbs/v0/resource/repo/type/tag?version=2", authorization: tok(admin1, "admin1-issuer", "admin1")},
		{name: "admin1 on config", path: "/kbs/v0/config/x", authorization: tok(admin1, "admin1-issuer", "admin1"), reason: "not allowed"},
		{name: "admin1 on the bare prefix", path: "/kbs/v0/resource/", authorization: tok(admin1, "admin1-issuer", "admin1"), reason: "not allowed"},
		{name: "admin2 on config", path: "/kbs/v0/config/x", authorization: tok(admin2, "admin2-issuer", "admin2")},
		{name: "admin2 on resources", path: "/kbs/v0/resource/a/b/c", authorization: tok(admin2, "admin2-issuer", "admin2"), reason: "not allowed"},
		{name: "admin1 key claiming admin2's issuer", path: "/kbs/v0/resource/a/b/c", authorization: tok(admin1, "admin2-issuer", "admin1"), reason: "issuer"},
		{name: "role, not issuer, selects the ACL", path: "/kbs/v0/config/x", authorization: tok(admin1, "admin1-issuer", "admin2")},
		{name: "policy endpoints granted to nobody", path: "/kbs/v0/resource-policy", authorization: tok(admin1, "admin1-issuer", "admin1"), reason: "not allowed"},
	})
}

// The token kbs-client-style tooling mints with SignToken passes both the
// v0.16 Simple mode and HEAD's bearer_jwt mode with an admin ACL.
func TestSignTokenPassesBothModes(t *testing.T) {
	dir := t.TempDir()
	keys := newEdKeys(t, dir, "admin.pub")
	token, err := SignToken(keys.priv, map[string]any{"role": "admin", "iss": "cocoon", "aud": "kbs"}, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	simple, err := New(config.Admin{Type: config.AdminSimple, Personas: []config.Persona{{ID: "admin", PublicKeyPath: keys.pubPath}}}, discard())
	if err != nil {
		t.Fatal(err)
	}
	jwtMode, err := New(bearerAdmin([]config.IdentityProvider{{Issuer: "cocoon", Audience: "kbs", PublicKeyURI: keys.pubPath}},
		config.ACL{Role: "admin", AllowedEndpoints: "^/kbs/.+$"}), discard())
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]Authorizer{"Simple": simple, "bearer_jwt": jwtMode} {
		if err := a.Authorize(request("/kbs/v0/resource-policy", bearer(token))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["alg"] != "EdDSA" || parsed.Header["typ"] != "JWT" {
		t.Errorf("header = %v", parsed.Header)
	}
	c := parsed.Claims.(jwt.MapClaims)
	iat, nbf, exp := c["iat"].(float64), c["nbf"].(float64), c["exp"].(float64)
	if iat != nbf || exp-iat != 7200 || c["role"] != "admin" {
		t.Errorf("claims = %v", c)
	}
}

func TestSignTokenErrors(t *testing.T) {
	keys := newEdKeys(t, t.TempDir(), "k.pub")
	if _, err := SignToken(keys.priv, nil, 0); err == nil {
		t.Error("zero lifetime accepted")
	}
	if _, err := SignToken(keys.pub, nil, time.Hour); err == nil {
		t.Error("public key accepted as private")
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(newECKey(t, elliptic.P256()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignToken(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), nil, time.Hour); err == nil {
		t.Error("EC key accepted")
	}
}

func TestInsecureAllowAll(t *testing.T) {
	logger, logs := testLogger()
	a, err := New(config.Admin{AuthorizationMode: config.AdminInsecureAllowAll}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "InsecureAllowAll") {
		t.Errorf("no loud warning: %s", logs)
	}
	if err := a.Authorize(request("/kbs/v0/resource/a/b/c", "")); err != nil {
		t.Error(err)
	}
	v016, err := New(config.Admin{Type: config.AdminInsecureAllowAll}, discard())
	if err != nil || v016.Authorize(request("/kbs/v0/resource-policy", "")) != nil {
		t.Errorf("v0.16 spelling: %v", err)
	}
}

func TestDenyAll(t *testing.T) {
	keys := newEdKeys(t, t.TempDir(), "k.pub")
	token, err := SignToken(keys.priv, map[string]any{"role": "admin"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []config.Admin{{AuthorizationMode: config.AdminDenyAll}, {Type: config.AdminDenyAll}} {
		a, err := New(cfg, discard())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Authorize(request("/kbs/v0/resource/a/b/c", bearer(token))); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := New(config.Admin{AuthorizationMode: config.AdminDenyAll, Type: config.AdminSimple}, discard())
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}
