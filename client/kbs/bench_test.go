package kbs_test

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// BenchmarkAttest measures a full RCAR handshake against a real Trustee on
// loopback (sample evidence, EAR token issued and returned).
func BenchmarkAttest(b *testing.B) {
	c := newTestClient(b, trusteetest.New(b))
	ctx := testContext(b)
	for b.Loop() {
		if _, err := kbsclient.Handshake(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetResource measures a resource fetch on an attested session
// (request, policy, JWE encryption and decryption).
func BenchmarkGetResource(b *testing.B) {
	tr := newSampleTrustee(b, make([]byte, 4096))
	c := newTestClient(b, tr)
	ctx := testContext(b)
	if _, err := c.GetResource(ctx, "default/key/1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.GetResource(ctx, "default/key/1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientFlow measures the guest's share of one kbs-load flow (new
// client, auth, attest, resource GET and decryption) with no server CPU in
// the loop: the server's answers are recorded once from a real Trustee and
// replayed, so the nonce repeats and the JWE stays the same.
func BenchmarkClientFlow(b *testing.B) {
	secret := bytes.Repeat([]byte("resource"), 16)
	tr := newSampleTrustee(b, secret)
	key, err := kbs.GenerateTeeKeyPair("")
	if err != nil {
		b.Fatal(err)
	}
	rec := &recorder{next: tr.HTTPClient().Transport, answers: map[string]recorded{}}
	ctx := testContext(b)
	flow := func(transport http.RoundTripper) {
		c := newTestClient(b, tr, kbsclient.WithTeeKeyPair(key), kbsclient.WithHTTPClient(&http.Client{Transport: transport}))
		got, err := c.GetResource(ctx, "default/key/1")
		if err != nil || !bytes.Equal(got, secret) {
			b.Fatalf("GetResource = %q, %v", got, err)
		}
	}
	flow(rec)
	replay := replayer(rec.answers)
	b.ReportAllocs()
	for b.Loop() {
		flow(replay)
	}
}

// recorded is one HTTP answer.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

// recorder passes requests on and keeps the last answer per URL path.
type recorder struct {
	next    http.RoundTripper
	mu      sync.Mutex
	answers map[string]recorded
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.answers[req.URL.Path] = recorded{status: resp.StatusCode, header: resp.Header.Clone(), body: body}
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// replayer answers each request with the answer recorded for its path,
// after reading the request body as a transport would.
type replayer map[string]recorded

func (r replayer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	a, ok := r[req.URL.Path]
	if !ok {
		return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: req}, nil
	}
	return &http.Response{
		StatusCode: a.status, Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)), Request: req,
	}, nil
}
