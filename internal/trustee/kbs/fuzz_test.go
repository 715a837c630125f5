package kbs_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	kbsserver "github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// serve runs one request through the whole handler, in-process.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkAnswer fails on a 5xx or an error answer that is not upstream's body.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec.Code == http.StatusOK {
		return
	}
	var info kbs.ErrorInformation
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || info.Variant() == "" {
		t.Fatalf("status %d with body %q", rec.Code, rec.Body)
	}
	if info.Variant().HTTPStatus() != rec.Code {
		t.Fatalf("variant %s answered with %d", info.Variant(), rec.Code)
	}
}

func FuzzAuthRequest(f *testing.F) {
	for _, seed := range []string{
		string(authBody(kbs.ProtocolVersion, kbs.TeeSample)),
		`{"version":"0.4.0","tee":"sample","extra-params":""}`,
		`{"version":"0.4.0","tee":"sampledevice"}`,
		`{"version":"0.4.0","tee":"tdx","extra-params":{"supported-hash-algorithms":["sha512"]}}`,
		`{"version":"0.4.0","tee":"se","extra-params":{}}`,
		`{"version":"1.0.0","tee":"sample"}`, `{"version":null}`, `[]`, `"x"`, `{`, "",
	} {
		f.Add([]byte(seed))
	}
	h := newHarness(f)
	handler := h.tr.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := serve(handler, httptest.NewRequest(http.MethodPost, "/kbs/v0/auth", bytes.NewReader(body)))
		checkAnswer(t, rec)
		if rec.Code == http.StatusOK && !strings.HasPrefix(rec.Header().Get("Set-Cookie"), kbs.SessionCookie+"=") {
			t.Fatalf("accepted /auth without a session cookie")
		}
	})
}

func FuzzAttestRequest(f *testing.F) {
	h := newHarness(f, trusteetest.WithSampleTEE())
	g := newGuest(h)
	// Seeds use the placeholder NONCE for the nonce of each iteration's
	// fresh session; the first is a well-formed attestation.
	good, _ := json.Marshal(g.attestation("NONCE", "", nil))
	withDevice, _ := json.Marshal(g.attestation("NONCE", g.deviceEvidence("NONCE"), &kbs.InitData{Format: "toml", Body: "version = \"0.1.0\""}))
	for _, seed := range [][]byte{
		good, withDevice,
		[]byte(`{"runtime-data":{"nonce":"NONCE","tee-pubkey":{"kty":"RSA","alg":"RSA1_5","n":"AQAB","e":"AQAB"}},"tee-evidence":{"primary_evidence":{},"additional_evidence":"{\"nvidia\":1}"}}`),
		[]byte(`{"runtime-data":{"nonce":"NONCE","tee-pubkey":{"kty":"EC"}},"tee-evidence":null}`),
		[]byte(`{}`), []byte(`null`), []byte(`{`),
	} {
		f.Add(seed)
	}
	handler := h.tr.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		auth := serve(handler, httptest.NewRequest(http.MethodPost, "/kbs/v0/auth", bytes.NewReader(authBody(kbs.ProtocolVersion, kbs.TeeSample))))
		var challenge kbs.Challenge
		if err := json.Unmarshal(auth.Body.Bytes(), &challenge); err != nil {
			t.Fatal(err)
		}
		body = bytes.ReplaceAll(body, []byte("NONCE"), []byte(challenge.Nonce))
		req := httptest.NewRequest(http.MethodPost, "/kbs/v0/attest", bytes.NewReader(body))
		for _, c := range auth.Result().Cookies() {
			req.AddCookie(c)
		}
		checkAnswer(t, serve(handler, req))
	})
}

func FuzzPluginRequest(f *testing.F) {
	h := newHarness(f, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	tok := newGuest(h).attest()
	for _, seed := range []string{
		"resource/default/key/1", "resource/default/../1", "resource/%2e%2e/x/y", "resource/a/b/c?x=1&x=2",
		"sample/x", "nope", "", "resource-policy", "reference-value/a/b", "attestation-policy",
	} {
		f.Add(seed, http.MethodGet, true)
	}
	f.Add("resource/default/key/1", http.MethodDelete, false)
	handler := h.tr.Handler()
	f.Fuzz(func(t *testing.T, path, method string, withToken bool) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if !validMethod(method) {
			return // net/http rejects such a request line before any handler
		}
		req.Method = method
		req.URL.Path = kbsserver.PathPrefix + path
		if withToken {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		checkAnswer(t, serve(handler, req))
	})
}

// validMethod is an RFC 9110 token, as net/http requires of a method.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range []byte(m) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
