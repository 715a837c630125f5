package kbs_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

func TestAttestSendsUpstreamRequestAndBindsKey(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr)

	token, err := c.Attest(testContext(t))
	if err != nil {
		t.Fatalf("Attest: %v", err)
	}
	if strings.Count(token, ".") != 2 {
		t.Fatalf("token is not a compact JWS")
	}
	var auth []byte
	for _, ex := range tr.Requests() {
		if ex.Path == "/kbs/v0/auth" {
			auth = ex.Body
		}
	}
	const want = `{"version":"0.4.0","tee":"sample","extra-params":{"supported-hash-algorithms":["sha256","sha384","sha512"]}}`
	if string(auth) != want {
		t.Fatalf("auth body\n got %s\nwant %s", auth, want)
	}
	atts := tr.Attestations(t)
	if len(atts) != 1 {
		t.Fatalf("server accepted %d attestations, want 1", len(atts))
	}
	if atts[0].RuntimeData.TeePubKey != c.TeeKeyPair().PublicKey() {
		t.Fatalf("tee-pubkey sent is not the client's key")
	}
	if atts[0].InitData != nil {
		t.Fatalf("init-data sent although none was configured")
	}
}

// TestAttestBindingDigest recomputes, independently of the client, the
// report data Trustee expects and compares it with what the evidence carries.
func TestAttestBindingDigest(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(true)))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	att := tr.Attestations(t)[0]
	key := att.RuntimeData.TeePubKey

	devices, err := kbs.ParseAdditionalEvidence(att.TeeEvidence.AdditionalEvidence)
	if err != nil || len(devices) != 1 {
		t.Fatalf("additional evidence %q: %v", att.TeeEvidence.AdditionalEvidence, err)
	}
	wantDevice := sha384JCS(t, map[string]any{"nonce": att.RuntimeData.Nonce, "tee-pubkey": key})
	if got := reportData(t, devices[kbs.TeeSampleDevice]); !bytes.Equal(got, wantDevice) {
		t.Fatalf("device report data %x, want %x", got, wantDevice)
	}
	wantPrimary := sha384JCS(t, map[string]any{
		"nonce": att.RuntimeData.Nonce, "tee-pubkey": key, "additional-evidence": att.TeeEvidence.AdditionalEvidence,
	})
	if got := reportData(t, att.TeeEvidence.PrimaryEvidence); !bytes.Equal(got, wantPrimary) {
		t.Fatalf("primary report data %x, want %x", got, wantPrimary)
	}
}

func sha384JCS(t *testing.T, v any) []byte {
	t.Helper()
	canonical, err := kbs.Canonicalize(v)
	if err != nil {
		t.Fatal(err)
	}
	d := sha512.Sum384(canonical)
	return d[:]
}

func reportData(t *testing.T, evidence json.RawMessage) []byte {
	t.Helper()
	ev, err := sample.ParseEvidence(evidence)
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(ev.ReportData)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scriptedKBS answers /auth with a fixed challenge and /attest with a fixed
// status and body, for what Trustee never sends here: a selected hash (only
// for IBM SE and Intel Trust Authority), a token with nbf.
type scriptedKBS struct {
	url      string
	mu       sync.Mutex
	auths    int
	attested []byte // the last /attest body
}

func newScriptedKBS(t *testing.T, challenge string, attestStatus int, attestBody string) *scriptedKBS {
	k := &scriptedKBS{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k.mu.Lock()
		defer k.mu.Unlock()
		if r.URL.Path == "/kbs/v0/auth" {
			k.auths++
			http.SetCookie(w, &http.Cookie{Name: kbs.SessionCookie, Value: "s"})
			_, _ = io.WriteString(w, challenge)
			return
		}
		k.attested = body
		w.WriteHeader(attestStatus)
		_, _ = io.WriteString(w, attestBody)
	}))
	t.Cleanup(srv.Close)
	k.url = srv.URL
	return k
}

func (k *scriptedKBS) state() (auths int, attested []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.auths, k.attested
}

func TestAttestUsesSelectedHash(t *testing.T) {
	k := newScriptedKBS(t, `{"nonce":"bm9uY2U=","extra-params":{"selected-hash-algorithm":"sha512"}}`, http.StatusUnauthorized, "")
	c, err := kbsclient.New(k.url, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(true)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kbsclient.Handshake(testContext(t), c); !errors.Is(err, kbsclient.ErrUnauthorized) {
		t.Fatalf("handshake error %v, want the server's 401", err)
	}
	_, attested := k.state()
	var att kbs.Attestation
	if err := json.Unmarshal(attested, &att); err != nil {
		t.Fatal(err)
	}
	if got := len(reportData(t, att.TeeEvidence.PrimaryEvidence)); got != sha512.Size {
		t.Fatalf("report data is %d bytes, want a SHA-512 digest", got)
	}
}

func TestAttestRefusesHashItDidNotOffer(t *testing.T) {
	k := newScriptedKBS(t, `{"nonce":"bm9uY2U=","extra-params":{"selected-hash-algorithm":"sm3"}}`, http.StatusUnauthorized, "")
	c, err := kbsclient.New(k.url, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kbsclient.Handshake(testContext(t), c); !errors.Is(err, kbs.ErrUnsupportedHashAlgorithm) {
		t.Fatalf("handshake error %v, want ErrUnsupportedHashAlgorithm", err)
	}
	if _, attested := k.state(); attested != nil {
		t.Fatal("evidence sent for a hash the client did not offer")
	}
}

func TestAttestSendsInitData(t *testing.T) {
	tr := trusteetest.New(t)
	initData := []byte("version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"a.rego\" = \"<&>\"\n")
	c := newTestClient(t, tr, kbsclient.WithInitData(initData))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	got := tr.Attestations(t)[0].InitData
	if got == nil || got.Format != "toml" || got.Body != string(initData) {
		t.Fatalf("init-data %+v, want toml %q", got, initData)
	}
}

// failingTransport fails the first n round trips, then delegates.
type failingTransport struct {
	failures atomic.Int32
	n        int32
	onFail   func()
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.failures.Add(1) <= f.n {
		if f.onFail != nil {
			f.onFail()
		}
		return nil, errors.New("injected network failure")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAttestRetriesTransientFailures(t *testing.T) {
	tr := trusteetest.New(t)
	transport := &failingTransport{n: 4}
	c := newTestClient(t, tr, kbsclient.WithHTTPClient(&http.Client{Transport: transport}))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest after 4 failures: %v", err)
	}
}

func TestAttestGivesUpAfterFiveAttempts(t *testing.T) {
	tr := trusteetest.New(t)
	transport := &failingTransport{n: 1 << 30}
	c := newTestClient(t, tr, kbsclient.WithHTTPClient(&http.Client{Transport: transport}))
	if _, err := c.Attest(testContext(t)); err == nil {
		t.Fatal("Attest succeeded against a dead network")
	}
	if got := transport.failures.Load(); got != kbsclient.RCARMaxAttempts {
		t.Fatalf("%d attempts, want %d", got, kbsclient.RCARMaxAttempts)
	}
}

func TestAttestStopsWhenContextEnds(t *testing.T) {
	tr := trusteetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	transport := &failingTransport{n: 1 << 30, onFail: cancel}
	c := newTestClient(t, tr, kbsclient.WithHTTPClient(&http.Client{Transport: transport}))
	kbsclient.SetRetryDelay(c, 1<<62) // would block the test if the context were ignored
	_, err := c.Attest(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Attest error %v, want context.Canceled", err)
	}
	if got := transport.failures.Load(); got != 1 {
		t.Fatalf("%d attempts after cancellation, want 1", got)
	}
}

func TestAttestSurfacesServerError(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr, kbsclient.WithEvidenceProvider(brokenProvider{}))
	_, err := c.Attest(testContext(t))
	var kerr *kbsclient.Error
	if !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrAttestation) || !errors.Is(err, kbsclient.ErrUnauthorized) {
		t.Fatalf("Attest error %v, want a 401 AttestationError", err)
	}
	if got := tr.Count(http.MethodPost, "/kbs/v0/attest"); got != kbsclient.RCARMaxAttempts {
		t.Fatalf("%d attest requests, want %d", got, kbsclient.RCARMaxAttempts)
	}
}

// brokenProvider binds its evidence to the wrong report data.
type brokenProvider struct{}

func (brokenProvider) Tee() kbs.Tee { return kbs.TeeSample }
func (brokenProvider) PrimaryEvidence(_ context.Context, reportData []byte) (json.RawMessage, error) {
	return sample.NewEvidence(sample.CPUSVN, append([]byte{1}, reportData...)), nil
}
func (brokenProvider) AdditionalEvidence(context.Context, []byte) (string, error) { return "", nil }

func TestSessionCookieWorksWithCookieJar(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	tr.SetResource(t, "r/t/jar", []byte("jar"))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, tr, kbsclient.WithHTTPClient(&http.Client{Jar: jar}))
	got, err := c.GetResource(testContext(t), "r/t/jar")
	if err != nil || string(got) != "jar" {
		t.Fatalf("GetResource = %q, %v", got, err)
	}
}

func TestRootCertificatePEM(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithTLS())
	c := newTestClient(t, tr) // trusts tr.RootCAPEM
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest with the server's root: %v", err)
	}
	untrusting, err := kbsclient.New(tr.URL, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kbsclient.Handshake(testContext(t), untrusting); err == nil {
		t.Fatal("handshake succeeded without trusting the server's certificate")
	}
	if _, err := kbsclient.New(tr.URL, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)), kbsclient.WithRootCertificatePEM([]byte("junk"))); err == nil {
		t.Fatal("New accepted a root PEM without certificates")
	}
}

const wireInitData = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"

// TestAttestationWireKeys checks the raw /attest body, not the shared
// types: kebab-case outside, snake_case inside tee-evidence.
func TestAttestationWireKeys(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr, kbsclient.WithInitData([]byte(wireInitData)))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, ex := range tr.Requests() {
		if ex.Path == "/kbs/v0/attest" {
			body = ex.Body
			if !strings.HasPrefix(ex.Header.Get("Cookie"), kbs.SessionCookie+"=") {
				t.Fatalf("attest sent Cookie %q", ex.Header.Get("Cookie"))
			}
		}
	}
	var wire struct {
		InitData    map[string]string          `json:"init-data"`
		RuntimeData map[string]json.RawMessage `json:"runtime-data"`
		TeeEvidence map[string]json.RawMessage `json:"tee-evidence"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		t.Fatal(err)
	}
	_, hasNonce := wire.RuntimeData["nonce"]
	_, hasKey := wire.RuntimeData["tee-pubkey"]
	_, hasPrimary := wire.TeeEvidence["primary_evidence"]
	additional := string(wire.TeeEvidence["additional_evidence"])
	if wire.InitData["format"] != "toml" || wire.InitData["body"] != wireInitData || !hasNonce || !hasKey || !hasPrimary || additional != `""` {
		t.Fatalf("attest body %s", body)
	}
}
