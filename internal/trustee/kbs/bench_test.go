package kbs_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// newFlowBench is a sample-TEE server holding default/key/1, a guest, and
// that guest's /auth body.
func newFlowBench(b *testing.B) (http.Handler, *guest, []byte) {
	h := newHarness(b, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	b.ReportAllocs()
	return h.tr.Handler(), newGuest(h), authBody(kbs.ProtocolVersion, kbs.TeeSample)
}

// BenchmarkFullFlow is one guest's whole RCAR in-process: /auth, /attest
// with sample evidence, then the resource as a JWE, decrypted.
func BenchmarkFullFlow(b *testing.B) {
	handler, g, authReq := newFlowBench(b)
	for b.Loop() {
		auth := serve(handler, httptest.NewRequest(http.MethodPost, "/kbs/v0/auth", bytes.NewReader(authReq)))
		var challenge kbs.Challenge
		must(b, json.Unmarshal(auth.Body.Bytes(), &challenge))
		cookies := auth.Result().Cookies()

		att, err := json.Marshal(g.attestation(challenge.Nonce, "", nil))
		must(b, err)
		req := httptest.NewRequest(http.MethodPost, "/kbs/v0/attest", bytes.NewReader(att))
		req.AddCookie(cookies[0])
		if rec := serve(handler, req); rec.Code != http.StatusOK {
			b.Fatalf("/attest = %d %s", rec.Code, rec.Body)
		}

		req = httptest.NewRequest(http.MethodGet, "/kbs/v0/resource/default/key/1", nil)
		req.AddCookie(cookies[0])
		rec := serve(handler, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("resource = %d %s", rec.Code, rec.Body)
		}
		if !bytes.Equal(g.decrypt(rec.Body.Bytes()), secret) {
			b.Fatal("resource does not decrypt to the secret")
		}
	}
}

// BenchmarkServerFlow is BenchmarkFullFlow's server share: the guest's work
// (evidence, request encoding, decryption) runs with the timer stopped.
func BenchmarkServerFlow(b *testing.B) {
	handler, g, authReq := newFlowBench(b)
	for b.Loop() {
		auth := serve(handler, httptest.NewRequest(http.MethodPost, "/kbs/v0/auth", bytes.NewReader(authReq)))
		b.StopTimer()
		var challenge kbs.Challenge
		must(b, json.Unmarshal(auth.Body.Bytes(), &challenge))
		cookie := auth.Result().Cookies()[0]
		att, err := json.Marshal(g.attestation(challenge.Nonce, "", nil))
		must(b, err)
		attReq := httptest.NewRequest(http.MethodPost, "/kbs/v0/attest", bytes.NewReader(att))
		attReq.AddCookie(cookie)
		getReq := httptest.NewRequest(http.MethodGet, "/kbs/v0/resource/default/key/1", nil)
		getReq.AddCookie(cookie)
		b.StartTimer()

		if rec := serve(handler, attReq); rec.Code != http.StatusOK {
			b.Fatalf("/attest = %d %s", rec.Code, rec.Body)
		}
		if rec := serve(handler, getReq); rec.Code != http.StatusOK {
			b.Fatalf("resource = %d %s", rec.Code, rec.Body)
		}
	}
}
