package kbs_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	kbsserver "github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func TestAuthRefusals(t *testing.T) {
	h := newHarness(t)
	cases := map[string][]byte{
		"malformed JSON":  []byte(`{"version":`),
		"not an object":   []byte(`[]`),
		"wrong version":   authBody("0.3.0", kbs.TeeSample),
		"semver build":    authBody("0.4.0+x", kbs.TeeSample),
		"no version":      []byte(`{"tee":"sample","extra-params":""}`),
		"unknown TEE":     authBody(kbs.ProtocolVersion, "sev"),
		"TEE no verifier": authBody(kbs.ProtocolVersion, kbs.TeeCca),
	}
	for name, body := range cases {
		resp, out := h.do(http.MethodPost, "/kbs/v0/auth", body, nil)
		t.Run(name, func(t *testing.T) {
			expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrAttestation)
			if resp.Header.Get("Set-Cookie") != "" {
				t.Error("a refused /auth set a cookie")
			}
		})
	}
	resp, out := h.do(http.MethodPost, "/kbs/v0/auth", authBody("1.0.0", kbs.TeeSample), nil)
	var info kbs.ErrorInformation
	must(t, json.Unmarshal(out, &info))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(info.Detail, "KBS Client Protocol Version Mismatch") {
		t.Fatalf("version mismatch detail %q", info.Detail)
	}
}

func TestAttestRefusals(t *testing.T) {
	h := newHarness(t, trusteetest.WithSampleTEE())
	cases := []struct {
		name  string
		build func(g *guest) (any, *http.Cookie)
	}{
		{"malformed JSON", func(g *guest) (any, *http.Cookie) { return []byte(`{"runtime-data":`), g.cookie }},
		{"no cookie", func(g *guest) (any, *http.Cookie) { return g.attestation(g.nonce, "", nil), nil }},
		{"unknown session", func(g *guest) (any, *http.Cookie) {
			return g.attestation(g.nonce, "", nil), &http.Cookie{Name: kbs.SessionCookie, Value: strings.Repeat("ab", 16)}
		}},
		{"garbage session id", func(g *guest) (any, *http.Cookie) {
			return g.attestation(g.nonce, "", nil), &http.Cookie{Name: kbs.SessionCookie, Value: "..%2F"}
		}},
		{"wrong nonce", func(g *guest) (any, *http.Cookie) {
			return g.attestation(strings.Repeat("A", 43)+"=", "", nil), g.cookie
		}},
		{"nonce of another session", func(g *guest) (any, *http.Cookie) {
			other := newGuest(g.h)
			other.auth()
			return g.attestation(other.nonce, "", nil), g.cookie
		}},
		{"runtime data not matching evidence", func(g *guest) (any, *http.Cookie) {
			att := g.attestation(g.nonce, "", nil)
			other, _ := kbs.GenerateTeeKeyPair("")
			att.RuntimeData.TeePubKey = other.PublicKey() // evidence is bound to g.key
			return att, g.cookie
		}},
		{"additional evidence not bound", func(g *guest) (any, *http.Cookie) {
			return g.attestation(g.nonce, g.deviceEvidence("other nonce"), nil), g.cookie
		}},
		{"additional evidence not an object", func(g *guest) (any, *http.Cookie) {
			return g.attestation(g.nonce, `["x"]`, nil), g.cookie
		}},
		{"invalid tee-pubkey", func(g *guest) (any, *http.Cookie) {
			att := g.attestation(g.nonce, "", nil)
			att.RuntimeData.TeePubKey.X = "AAAA"
			return att, g.cookie
		}},
		{"init-data in an unknown format", func(g *guest) (any, *http.Cookie) {
			return g.attestation(g.nonce, "", &kbs.InitData{Format: "json", Body: `{}`}), g.cookie
		}},
		{"init-data not TOML", func(g *guest) (any, *http.Cookie) {
			return g.attestation(g.nonce, "", &kbs.InitData{Format: "toml", Body: "version = "}), g.cookie
		}},
		{"no evidence", func(g *guest) (any, *http.Cookie) {
			att := g.attestation(g.nonce, "", nil)
			att.TeeEvidence.PrimaryEvidence = nil
			return att, g.cookie
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGuest(h)
			g.auth()
			att, cookie := tc.build(g)
			b, raw := att.([]byte)
			if !raw {
				var err error
				b, err = json.Marshal(att)
				must(t, err)
			}
			var cookies []*http.Cookie
			if cookie != nil {
				cookies = append(cookies, cookie)
			}
			resp, out := h.do(http.MethodPost, "/kbs/v0/attest", b, nil, cookies...)
			expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrAttestation)
			// The session stays usable with a correct attestation.
			if cookie == g.cookie {
				if resp, out := g.postAttest(g.attestation(g.nonce, "", nil)); resp.StatusCode != http.StatusOK {
					t.Fatalf("good attestation after a refused one = %d %s", resp.StatusCode, out)
				}
			}
		})
	}
}

func TestExpiredSessionRefused(t *testing.T) {
	h := newHarness(t, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	g := newGuest(h)
	g.attest()
	h.expireSession(g.cookie)

	resp, out := g.postAttest(g.attestation(g.nonce, "", nil))
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrAttestation)
	// An expired cookie session is no token.
	resp, out = h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, nil, g.cookie)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrTokenNotFound)
}

// expireSession moves the session of cookie past its lifetime, as time
// would, in the store the server reads it from.
func (h *harness) expireSession(cookie *http.Cookie) {
	h.t.Helper()
	ctx := context.Background()
	b, err := h.tr.Store.Get(ctx, storage.NamespaceSessions, cookie.Value)
	must(h.t, err)
	var sess kbsserver.Session
	must(h.t, json.Unmarshal(b, &sess))
	sess.Expires = time.Now().Add(-time.Second)
	b, err = json.Marshal(&sess)
	must(h.t, err)
	must(h.t, h.tr.Store.Set(ctx, storage.NamespaceSessions, cookie.Value, b, true))
}

// The default payload_request_size is 2 MiB.
func TestBodyOverPayloadLimit(t *testing.T) {
	h := newHarness(t)
	body := append(authBody(kbs.ProtocolVersion, kbs.TeeSample)[:1], bytes.Repeat([]byte(" "), 2<<20)...)
	resp, out := h.do(http.MethodPost, "/kbs/v0/auth", body, nil)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrSerde)
	if !strings.Contains(string(out), "payload_request_size") {
		t.Fatalf("detail does not name the limit: %s", out)
	}
}

// mintToken signs claims with key, carrying its public JWK in the header as
// the EAR issuer does.
func mintToken(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"))
	must(t, err)
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	must(t, err)
	out, err := jws.CompactSerialize()
	must(t, err)
	return out
}

func TestTokenRefusals(t *testing.T) {
	h := newHarness(t, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	g := newGuest(h)
	good := g.attest()
	parts := strings.Split(good, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	must(t, err)
	var claims map[string]any
	must(t, json.Unmarshal(payload, &claims))

	issuerKey := parseECKey(t, h.tr.TokenKeyPEM)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	expired := map[string]any{}
	for k, v := range claims {
		expired[k] = v
	}
	expired["iat"], expired["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	cases := map[string]string{
		"forged (other key)": mintToken(t, otherKey, claims),
		"expired":            mintToken(t, issuerKey, expired),
		"alg none":           none,
		"tampered payload":   parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":9999999999}`)) + "." + parts[2],
		"garbage":            "not.a.jwt",
	}
	for name, tok := range cases {
		resp, out := h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, bearer(tok))
		t.Run(name, func(t *testing.T) { expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrTokenVerifier) })
	}
	// The issuer's key signing the real claims again is accepted: the
	// refusals above are about the tokens, not the harness.
	resp, out := h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, bearer(mintToken(t, issuerKey, claims)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("re-signed genuine claims = %d %s", resp.StatusCode, out)
	}

	resp, out = h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, nil)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrTokenNotFound)
	resp, out = h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, http.Header{"Authorization": {"Basic abc"}})
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrTokenNotFound)
	// An Authed (not yet attested) session carries no token.
	g2 := newGuest(h)
	g2.auth()
	resp, out = h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, nil, g2.cookie)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrTokenNotFound)
}

func TestPathRefusals(t *testing.T) {
	h := newHarness(t, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	tok := newGuest(h).attest()
	for _, path := range []string{
		"/kbs/v0/resource/default/../1",
		"/kbs/v0/resource/../../etc/passwd",
		"/kbs/v0/resource/default/key/%2e%2e",
		"/kbs/v0/resource/default/key/a%20b",
		"/kbs/v0/resource/default/key",
		"/kbs/v0/resource/default/key/1/2",
		"/kbs/v0/resource/default//1",
		"/kbs/v0/resource/default/key/missing",
	} {
		resp, out := h.do(http.MethodGet, path, nil, bearer(tok))
		t.Run(path, func(t *testing.T) { expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrPluginInternal) })
	}
	for path, variant := range map[string]kbs.ErrorVariant{
		"/kbs/v0/nope/x":  kbs.ErrPluginNotFound,
		"/kbs/v0/":        kbs.ErrPluginNotFound,
		"/kbs/v1/auth":    kbs.ErrInvalidRequestPath,
		"/elsewhere":      kbs.ErrInvalidRequestPath,
		"/kbs/v0/auth":    kbs.ErrPluginNotFound, // GET: only POST is /auth
		"/kbs/v0/attest/": kbs.ErrPluginNotFound,
	} {
		resp, out := h.do(http.MethodGet, path, nil, bearer(tok))
		t.Run(path, func(t *testing.T) { expectError(t, resp, out, http.StatusNotFound, variant) })
	}
}

func parseECKey(t *testing.T, pemBytes []byte) *ecdsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("signing key is not PEM")
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	must(t, err)
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("signing key is %T", k)
	}
	return ec
}
