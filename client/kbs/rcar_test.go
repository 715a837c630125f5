package kbs

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
	"sync/atomic"
	"testing"

	"github.com/cocoon-cc/cocoon/client/kbs/kbstest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

func TestAttestSendsUpstreamRequestAndBindsKey(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv)

	token, err := c.Attest(testContext(t))
	if err != nil {
		t.Fatalf("Attest: %v", err)
	}
	if strings.Count(token, ".") != 2 {
		t.Fatalf("token is not a compact JWS")
	}
	var auth []byte
	for _, r := range srv.Requests() {
		if r.Path == "/kbs/v0/auth" {
			auth = r.Body
		}
	}
	const want = `{"version":"0.4.0","tee":"sample","extra-params":{"supported-hash-algorithms":["sha256","sha384","sha512"]}}`
	if string(auth) != want {
		t.Fatalf("auth body\n got %s\nwant %s", auth, want)
	}
	atts := srv.Attestations()
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
	srv := kbstest.New(t)
	c := newTestClient(t, srv, WithEvidenceProvider(SampleProvider(true)))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	att := srv.Attestations()[0]
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

func TestAttestUsesSelectedHash(t *testing.T) {
	srv := kbstest.New(t, kbstest.WithSelectedHash(kbs.SHA512))
	c := newTestClient(t, srv, WithEvidenceProvider(SampleProvider(true)))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	if got := len(reportData(t, srv.Attestations()[0].TeeEvidence.PrimaryEvidence)); got != sha512.Size {
		t.Fatalf("report data is %d bytes, want a SHA-512 digest", got)
	}
}

func TestAttestRefusesHashItDidNotOffer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: kbs.SessionCookie, Value: "s"})
		_, _ = io.WriteString(w, `{"nonce":"bm9uY2U=","extra-params":{"selected-hash-algorithm":"sm3"}}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithEvidenceProvider(SampleProvider(false)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.handshake(testContext(t))
	if !errors.Is(err, kbs.ErrUnsupportedHashAlgorithm) {
		t.Fatalf("handshake error %v, want ErrUnsupportedHashAlgorithm", err)
	}
}

func TestAttestSendsInitData(t *testing.T) {
	srv := kbstest.New(t)
	initData := []byte("version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"a.rego\" = \"<&>\"\n")
	c := newTestClient(t, srv, WithInitData(initData))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	got := srv.Attestations()[0].InitData
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
	srv := kbstest.New(t)
	transport := &failingTransport{n: 4}
	c := newTestClient(t, srv, WithHTTPClient(&http.Client{Transport: transport}))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest after 4 failures: %v", err)
	}
}

func TestAttestGivesUpAfterFiveAttempts(t *testing.T) {
	srv := kbstest.New(t)
	transport := &failingTransport{n: 1 << 30}
	c := newTestClient(t, srv, WithHTTPClient(&http.Client{Transport: transport}))
	if _, err := c.Attest(testContext(t)); err == nil {
		t.Fatal("Attest succeeded against a dead network")
	}
	if got := transport.failures.Load(); got != rcarMaxAttempts {
		t.Fatalf("%d attempts, want %d", got, rcarMaxAttempts)
	}
}

func TestAttestStopsWhenContextEnds(t *testing.T) {
	srv := kbstest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	transport := &failingTransport{n: 1 << 30, onFail: cancel}
	c := newTestClient(t, srv, WithHTTPClient(&http.Client{Transport: transport}))
	c.retryDelay = 1 << 62 // would block the test if the context were ignored
	_, err := c.Attest(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Attest error %v, want context.Canceled", err)
	}
	if got := transport.failures.Load(); got != 1 {
		t.Fatalf("%d attempts after cancellation, want 1", got)
	}
}

func TestAttestSurfacesServerError(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv, WithEvidenceProvider(brokenProvider{}))
	_, err := c.Attest(testContext(t))
	var kerr *Error
	if !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrAttestation) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Attest error %v, want a 401 AttestationError", err)
	}
	if got := srv.Count(http.MethodPost, "/kbs/v0/attest"); got != rcarMaxAttempts {
		t.Fatalf("%d attest requests, want %d", got, rcarMaxAttempts)
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
	srv := kbstest.New(t)
	srv.SetResource("r/t/jar", []byte("jar"))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, srv, WithHTTPClient(&http.Client{Jar: jar}))
	got, err := c.GetResource(testContext(t), "r/t/jar")
	if err != nil || string(got) != "jar" {
		t.Fatalf("GetResource = %q, %v", got, err)
	}
}

func TestRootCertificatePEM(t *testing.T) {
	srv := kbstest.New(t, kbstest.WithTLS())
	certPEM := pemCertificate(srv.Certificate().Raw)

	c := newTestClient(t, srv, WithRootCertificatePEM(certPEM))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatalf("Attest with the server's root: %v", err)
	}
	untrusting := newTestClient(t, srv)
	if _, err := untrusting.handshake(testContext(t)); err == nil {
		t.Fatal("handshake succeeded without trusting the server's certificate")
	}
	if _, err := New(srv.URL, WithEvidenceProvider(SampleProvider(false)), WithRootCertificatePEM([]byte("junk"))); err == nil {
		t.Fatal("New accepted a root PEM without certificates")
	}
}

// TestAttestationWireKeys checks the raw /attest body, not the shared
// types: kebab-case outside, snake_case inside tee-evidence.
func TestAttestationWireKeys(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv, WithInitData([]byte("x = 1")))
	if _, err := c.Attest(testContext(t)); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, r := range srv.Requests() {
		if r.Path == "/kbs/v0/attest" {
			body = r.Body
			if !strings.HasPrefix(r.Header.Get("Cookie"), kbs.SessionCookie+"=") {
				t.Fatalf("attest sent Cookie %q", r.Header.Get("Cookie"))
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
	if wire.InitData["format"] != "toml" || wire.InitData["body"] != "x = 1" || !hasNonce || !hasKey || !hasPrimary || additional != `""` {
		t.Fatalf("attest body %s", body)
	}
}
