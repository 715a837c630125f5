package kbs_test

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// newTestAdmin returns a Trustee and an admin client of it.
func newTestAdmin(t *testing.T) (*trusteetest.Trustee, *kbsclient.Admin) {
	t.Helper()
	tr := trusteetest.New(t)
	a, err := kbsclient.NewAdmin(tr.URL, kbsclient.EdDSATokenSource(tr.AdminKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return tr, a
}

// stored returns what the server keeps under namespace and key.
func stored(t *testing.T, tr *trusteetest.Trustee, namespace, key string) string {
	t.Helper()
	b, err := tr.Store.Get(context.Background(), namespace, key)
	if err != nil {
		t.Fatalf("stored %s/%s: %v", namespace, key, err)
	}
	return string(b)
}

// An appraisal policy whose base64 differs between the std and url
// alphabets, so the test sees which one the client used.
const appraisalPolicy = `package policy
# ~~~ needs url-safe base64 ???
default trust_claims := {}
trust_claims := {"executables": 3}
default extensions := []
`

func TestAdminSetAttestationPolicy(t *testing.T) {
	tr, a := newTestAdmin(t)
	if err := a.SetAttestationPolicy(testContext(t), "", []byte(appraisalPolicy), ""); err != nil {
		t.Fatal(err)
	}
	r := tr.LastRequest(t)
	encoded := base64.RawURLEncoding.EncodeToString([]byte(appraisalPolicy))
	want := `{"type":"rego","policy_id":"default_cpu","policy":"` + encoded + `"}`
	if !strings.ContainsAny(encoded, "-_") {
		t.Fatal("test policy does not exercise the url alphabet")
	}
	if r.Method != http.MethodPost || r.Path != "/kbs/v0/attestation-policy" || string(r.Body) != want {
		t.Fatalf("%s %s %s\nwant POST /kbs/v0/attestation-policy %s", r.Method, r.Path, r.Body, want)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	if got := stored(t, tr, storage.NamespaceASPolicy, "default_cpu.rego"); got != appraisalPolicy {
		t.Fatalf("server stored %q", got)
	}
}

func TestAdminResourcePolicy(t *testing.T) {
	tr, a := newTestAdmin(t)
	policy := "package policy\ndefault allow := false\n"
	if err := a.SetResourcePolicy(testContext(t), []byte(policy)); err != nil {
		t.Fatal(err)
	}
	if want := `{"policy":"` + base64.RawURLEncoding.EncodeToString([]byte(policy)) + `"}`; string(tr.LastRequest(t).Body) != want {
		t.Fatalf("body %s, want %s", tr.LastRequest(t).Body, want)
	}
	if got := stored(t, tr, storage.NamespaceKBS, "resource-policy.rego"); got != policy {
		t.Fatalf("server stored %q", got)
	}
	ids, err := a.GetResourcePolicy(testContext(t))
	if err != nil || string(ids) != `["resource-policy"]` {
		t.Fatalf("GetResourcePolicy = %s, %v", ids, err)
	}
}

func TestAdminSetAndDeleteResource(t *testing.T) {
	tr, a := newTestAdmin(t)
	data := []byte{0, 0xfe, 'x'}
	if err := a.SetResource(testContext(t), "default/key/1", data); err != nil {
		t.Fatal(err)
	}
	r := tr.LastRequest(t)
	if r.Method != http.MethodPost || r.Path != "/kbs/v0/resource/default/key/1" || r.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("%s %s Content-Type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
	}
	if got := stored(t, tr, storage.NamespaceRepository, "default/key/1"); got != string(data) {
		t.Fatalf("server stored %x", got)
	}
	if err := a.DeleteResource(testContext(t), "default/key/1"); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Store.Get(context.Background(), storage.NamespaceRepository, "default/key/1")
	if !errors.Is(err, storage.ErrNotFound) || tr.LastRequest(t).Method != http.MethodDelete {
		t.Fatalf("resource not deleted by a DELETE: %v", err)
	}
	if err := a.SetResource(testContext(t), "default/key", data); !errors.Is(err, kbsclient.ErrInvalidPath) {
		t.Fatalf("SetResource on a 2-segment path: %v", err)
	}
}

func TestAdminReferenceValues(t *testing.T) {
	tr, a := newTestAdmin(t)
	msg, err := kbsclient.SampleReferenceValueMessage("svn", 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RegisterReferenceValue(testContext(t), msg); err != nil {
		t.Fatal(err)
	}
	if string(tr.LastRequest(t).Body) != string(msg) {
		t.Fatal("message not sent verbatim")
	}
	got, err := a.GetReferenceValue(testContext(t), "svn")
	if err != nil || string(got) != "[3]" {
		t.Fatalf("GetReferenceValue = %s, %v", got, err)
	}
	err = a.RegisterReferenceValue(testContext(t), []byte(`{"version":"0.1.0","type":"no-such-extractor","payload":""}`))
	var kerr *kbsclient.Error
	if !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrRvps) {
		t.Fatalf("unknown message type error %v, want RvpsError", err)
	}
	sent := len(tr.Requests())
	if err := a.RegisterReferenceValue(testContext(t), []byte("{")); err == nil || len(tr.Requests()) != sent {
		t.Fatalf("a message that is not JSON: %v, sent %t", err, len(tr.Requests()) != sent)
	}
}

func TestEdDSATokenSourceClaims(t *testing.T) {
	tr, a := newTestAdmin(t)
	if err := a.SetResourcePolicy(testContext(t), []byte("package policy\ndefault allow := false\n")); err != nil {
		t.Fatal(err)
	}
	raw, ok := strings.CutPrefix(tr.LastRequest(t).Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		t.Fatal("no Bearer token sent")
	}
	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return adminPublicKey(t, tr.AdminKeyPEM), nil },
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

func adminPublicKey(t *testing.T, privPEM []byte) ed25519.PublicKey {
	t.Helper()
	block, _ := pem.Decode(privPEM)
	if block == nil {
		t.Fatal("admin key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(ed25519.PrivateKey).Public().(ed25519.PublicKey)
}

func TestAdminAuthFailures(t *testing.T) {
	tr := trusteetest.New(t)
	strangerKey, _, err := admin.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	for name, source := range map[string]func() (string, error){
		"wrong key": kbsclient.EdDSATokenSource(strangerKey),
		"anonymous": kbsclient.StaticTokenSource(""),
		"not a JWT": kbsclient.StaticTokenSource("abc"),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := kbsclient.NewAdmin(tr.URL, source)
			if err != nil {
				t.Fatal(err)
			}
			err = a.SetResource(testContext(t), "a/b/c", []byte("x"))
			var kerr *kbsclient.Error
			if !errors.As(err, &kerr) || kerr.StatusCode != 401 || kerr.Variant() != string(kbs.ErrAdminAuthAccess) {
				t.Fatalf("error %v, want 401 AdminAuthAccess", err)
			}
		})
	}
	for _, ex := range tr.Requests() {
		if ex.Header.Get("Authorization") == "Bearer " {
			t.Fatal("an empty token was sent as an empty Bearer header")
		}
	}
}

func TestStaticTokenSourceHeader(t *testing.T) {
	tr := trusteetest.New(t)
	a, err := kbsclient.NewAdmin(tr.URL, kbsclient.StaticTokenSource("tok.en.value"))
	if err != nil {
		t.Fatal(err)
	}
	_ = a.DeleteResource(testContext(t), "a/b/c")
	if got := tr.LastRequest(t).Header.Get("Authorization"); got != "Bearer tok.en.value" {
		t.Fatalf("Authorization %q", got)
	}
}

func TestEdDSATokenSourceRejectsBadKeys(t *testing.T) {
	for name, pem := range map[string][]byte{"garbage": []byte("nope"), "empty": nil} {
		if _, err := kbsclient.EdDSATokenSource(pem)(); err == nil {
			t.Errorf("%s key: token signed", name)
		}
	}
	if _, err := kbsclient.NewAdmin("http://127.0.0.1:1", nil); err == nil {
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
		msg, err := kbsclient.SampleReferenceValueMessage("svn", tc.value, tc.single)
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
	if _, err := kbsclient.SampleReferenceValueMessage("", 1, true); err == nil {
		t.Error("accepted an empty name")
	}
}
