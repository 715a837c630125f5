package kbs

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/client/kbs/kbstest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func newTestAdmin(t *testing.T) (*kbstest.Server, *Admin, ed25519.PublicKey) {
	t.Helper()
	pub, priv := newAdminKey(t)
	srv := kbstest.New(t, kbstest.WithAdminKey(pub))
	a, err := NewAdmin(srv.URL, EdDSATokenSource(priv))
	if err != nil {
		t.Fatal(err)
	}
	return srv, a, pub
}

// lastRequest returns the last request the server received.
func lastRequest(t *testing.T, srv *kbstest.Server) kbstest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request received")
	}
	return reqs[len(reqs)-1]
}

func TestAdminSetAttestationPolicy(t *testing.T) {
	srv, a, _ := newTestAdmin(t)
	policy := []byte("package policy\n# ~~~ needs url-safe base64 ???\n")
	if err := a.SetAttestationPolicy(testContext(t), "", policy, ""); err != nil {
		t.Fatal(err)
	}
	r := lastRequest(t, srv)
	want := `{"type":"rego","policy_id":"default_cpu","policy":"` + base64.RawURLEncoding.EncodeToString(policy) + `"}`
	if r.Method != http.MethodPost || r.Path != "/kbs/v0/attestation-policy" || string(r.Body) != want {
		t.Fatalf("%s %s %s\nwant POST /kbs/v0/attestation-policy %s", r.Method, r.Path, r.Body, want)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	if got, _ := srv.AttestationPolicy("default_cpu"); string(got) != string(policy) {
		t.Fatalf("server stored %q", got)
	}
}

func TestAdminResourcePolicy(t *testing.T) {
	srv, a, _ := newTestAdmin(t)
	policy := []byte("package policy\ndefault allow := false\n")
	if err := a.SetResourcePolicy(testContext(t), policy); err != nil {
		t.Fatal(err)
	}
	if want := `{"policy":"` + base64.RawURLEncoding.EncodeToString(policy) + `"}`; string(lastRequest(t, srv).Body) != want {
		t.Fatalf("body %s, want %s", lastRequest(t, srv).Body, want)
	}
	if string(srv.ResourcePolicy()) != string(policy) {
		t.Fatalf("server stored %q", srv.ResourcePolicy())
	}
	ids, err := a.GetResourcePolicy(testContext(t))
	if err != nil || string(ids) != "[\"resource-policy\"]\n" {
		t.Fatalf("GetResourcePolicy = %s, %v", ids, err)
	}
}

func TestAsJSONQuotesLegacyAnswers(t *testing.T) {
	got, err := asJSON([]byte("cGFja2FnZQ"))
	if err != nil || string(got) != `"cGFja2FnZQ"` {
		t.Fatalf("asJSON = %s, %v", got, err)
	}
}

func TestAdminSetAndDeleteResource(t *testing.T) {
	srv, a, _ := newTestAdmin(t)
	data := []byte{0, 0xfe, 'x'}
	if err := a.SetResource(testContext(t), "default/key/1", data); err != nil {
		t.Fatal(err)
	}
	r := lastRequest(t, srv)
	if r.Method != http.MethodPost || r.Path != "/kbs/v0/resource/default/key/1" || r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("%s %s Content-Type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	if got, _ := srv.Resource("default/key/1"); string(got) != string(data) {
		t.Fatalf("server stored %x", got)
	}
	if err := a.DeleteResource(testContext(t), "default/key/1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Resource("default/key/1"); ok || lastRequest(t, srv).Method != http.MethodDelete {
		t.Fatal("resource not deleted by a DELETE")
	}
	if err := a.SetResource(testContext(t), "default/key", data); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("SetResource on a 2-segment path: %v", err)
	}
}

func TestAdminReferenceValues(t *testing.T) {
	srv, a, _ := newTestAdmin(t)
	msg, err := SampleReferenceValueMessage("svn", 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RegisterReferenceValue(testContext(t), msg); err != nil {
		t.Fatal(err)
	}
	if string(lastRequest(t, srv).Body) != string(msg) {
		t.Fatal("message not sent verbatim")
	}
	got, err := a.GetReferenceValue(testContext(t), "svn")
	if err != nil || string(got) != "[3]" {
		t.Fatalf("GetReferenceValue = %s, %v", got, err)
	}
	_, err = a.GetReferenceValue(testContext(t), "missing")
	var kerr *Error
	if !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrRvps) {
		t.Fatalf("missing value error %v, want RvpsError", err)
	}
	if err := a.RegisterReferenceValue(testContext(t), []byte("{")); err == nil {
		t.Fatal("registered a message that is not JSON")
	}
}

func TestEdDSATokenSourceClaims(t *testing.T) {
	srv, a, pub := newTestAdmin(t)
	if err := a.SetResourcePolicy(testContext(t), []byte("p")); err != nil {
		t.Fatal(err)
	}
	raw, ok := cutBearer(lastRequest(t, srv).Header.Get("Authorization"))
	if !ok {
		t.Fatal("no Bearer token sent")
	}
	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil || !tok.Valid {
		t.Fatalf("admin token does not verify: %v", err)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	nbf, _ := claims.GetNotBefore()
	if exp.Sub(iat.Time) != 2*time.Hour || nbf == nil || claims["role"] != "admin" || claims["iss"] != "kbs-client" {
		t.Fatalf("claims %v", claims)
	}
}

func cutBearer(h string) (string, bool) {
	const prefix = "Bearer "
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}

func TestAdminAuthFailures(t *testing.T) {
	_, otherPriv := newAdminKey(t)
	pub, _ := newAdminKey(t)
	srv := kbstest.New(t, kbstest.WithAdminKey(pub))

	for name, source := range map[string]func() (string, error){
		"wrong key": EdDSATokenSource(otherPriv),
		"anonymous": StaticTokenSource(""),
		"not a JWT": StaticTokenSource("abc"),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := NewAdmin(srv.URL, source)
			if err != nil {
				t.Fatal(err)
			}
			err = a.SetResource(testContext(t), "a/b/c", []byte("x"))
			var kerr *Error
			if !errors.As(err, &kerr) || kerr.StatusCode != 401 || kerr.Variant() != string(kbs.ErrAdminAuthAccess) {
				t.Fatalf("error %v, want 401 AdminAuthAccess", err)
			}
		})
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") == "Bearer " {
			t.Fatal("an empty token was sent as an empty Bearer header")
		}
	}
}

func TestStaticTokenSourceHeader(t *testing.T) {
	srv := kbstest.New(t)
	a, err := NewAdmin(srv.URL, StaticTokenSource("tok.en.value"))
	if err != nil {
		t.Fatal(err)
	}
	_ = a.DeleteResource(testContext(t), "a/b/c")
	if got := lastRequest(t, srv).Header.Get("Authorization"); got != "Bearer tok.en.value" {
		t.Fatalf("Authorization %q", got)
	}
}

func TestEdDSATokenSourceRejectsBadKeys(t *testing.T) {
	for name, pem := range map[string][]byte{"garbage": []byte("nope"), "empty": nil} {
		if _, err := EdDSATokenSource(pem)(); err == nil {
			t.Errorf("%s key: token signed", name)
		}
	}
	if _, err := NewAdmin("http://127.0.0.1:1", nil); err == nil {
		t.Error("NewAdmin accepted a nil token source")
	}
}

func TestSampleReferenceValueMessage(t *testing.T) {
	cases := []struct {
		value   any
		single  bool
		payload string
	}{
		{"1.2.3", false, `{"svn":["1.2.3"]}`},
		{int64(7), false, `{"svn":[7]}`},
		{true, true, `{"svn":true}`},
		{"<&>", true, `{"svn":"<&>"}`},
	}
	for _, tc := range cases {
		msg, err := SampleReferenceValueMessage("svn", tc.value, tc.single)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Version, Type, Payload string }
		if err := json.Unmarshal(msg, &m); err != nil {
			t.Fatal(err)
		}
		payload, err := base64.StdEncoding.DecodeString(m.Payload)
		if err != nil || m.Version != "0.1.0" || m.Type != "sample" || string(payload) != tc.payload {
			t.Errorf("%v single=%t: message %s payload %s, want %s", tc.value, tc.single, msg, payload, tc.payload)
		}
	}
	if _, err := SampleReferenceValueMessage("", 1, true); err == nil {
		t.Error("accepted an empty name")
	}
}
