package kbs_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// harness drives a real Trustee (trusteetest: app.Build, as the trustee
// command wires it) with raw HTTP, so tests can send what no client would.
type harness struct {
	t  testing.TB
	tr *trusteetest.Trustee
}

func newHarness(t testing.TB, opts ...trusteetest.Option) *harness {
	t.Helper()
	return &harness{t: t, tr: trusteetest.New(t, opts...)}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// reply is what tests look at of an answer whose body do has read and
// closed: no Body left to misuse.
type reply struct {
	StatusCode int
	Header     http.Header
	Cookies    []*http.Cookie // Set-Cookie, parsed
}

// do sends one request and returns the answer and its body.
func (h *harness) do(method, path string, body []byte, header http.Header, cookies ...*http.Cookie) (reply, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.tr.URL+path, bytes.NewReader(body))
	must(h.t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := h.tr.HTTPClient().Do(req)
	must(h.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	must(h.t, err)
	return reply{StatusCode: resp.StatusCode, Header: resp.Header, Cookies: resp.Cookies()}, out
}

// putResource stores a resource through the admin API.
func (h *harness) putResource(path string, data []byte) {
	h.t.Helper()
	h.tr.SetResource(h.t, path, data)
}

// adminHeader is a fresh admin token signed like kbs-client signs it.
func (h *harness) adminHeader() http.Header {
	h.t.Helper()
	tok, err := adminToken(h.tr.AdminKeyPEM)
	must(h.t, err)
	return bearer(tok)
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// expectError checks an upstream-shaped error answer.
func expectError(t testing.TB, resp reply, body []byte, status int, variant kbs.ErrorVariant) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	var info kbs.ErrorInformation
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("error body %q is not ErrorInformation: %v", body, err)
	}
	if info.Variant() != variant || info.Detail == "" {
		t.Fatalf("error %+v, want variant %s with a detail", info, variant)
	}
}
