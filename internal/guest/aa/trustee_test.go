package aa

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// countingTrustee is a real in-process Trustee releasing resources to the
// sample TEE, behind a handler that counts attestation handshakes.
type countingTrustee struct {
	*trusteetest.Trustee
	url   string
	auths atomic.Int64
}

func newCountingTrustee(t *testing.T) *countingTrustee {
	t.Helper()
	ct := &countingTrustee{Trustee: trusteetest.New(t, trusteetest.WithSampleTEE())}
	handler := ct.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/kbs/v0/auth" {
			ct.auths.Add(1)
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ct.url = srv.URL
	return ct
}

func kbsConfig(url, alg string) *Config {
	cfg := DefaultConfig()
	cfg.TokenConfigs.KBS = &KBSConfig{URL: url, TeeKeyAlgorithm: alg}
	return cfg
}

// tokenAnswer decodes GetToken("kbs") and checks upstream's exact shape:
// an object with "token" then "tee_keypair".
func tokenAnswer(t *testing.T, b []byte) (token, keyPEM string) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(`{"token":"`)) {
		t.Fatalf("answer %.20q… does not start with the token", b)
	}
	var msg map[string]string
	if err := json.Unmarshal(b, &msg); err != nil || len(msg) != 2 || msg["token"] == "" || msg["tee_keypair"] == "" {
		t.Fatalf("answer is not {token, tee_keypair}: %v", err)
	}
	return msg["token"], msg["tee_keypair"]
}

func TestGetTokenAgainstTrustee(t *testing.T) {
	secret := []byte("the resource only an attested guest gets")
	for _, tc := range []struct{ alg, pemType string }{
		{kbs.KeyAlgorithmP256, "PRIVATE KEY"},
		{kbs.KeyAlgorithmP521, "PRIVATE KEY"},
		{kbs.KeyAlgorithmRSAOAEP256, "RSA PRIVATE KEY"},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			tr := newCountingTrustee(t)
			tr.SetResource(t, "default/key/1", secret)
			agent := newAgent(t, Options{Config: kbsConfig(tr.url, tc.alg), Primary: attester.Sample{},
				InitData: InitData{TOML: []byte(testInitData)}})
			c := client(t, serve(t, agent))

			answer, err := c.GetToken(t.Context(), &pb.GetTokenRequest{TokenType: "kbs"})
			if err != nil {
				t.Fatal(err)
			}
			token, keyPEM := tokenAnswer(t, answer.GetToken())
			if !strings.HasPrefix(keyPEM, "-----BEGIN "+tc.pemType+"-----\n") {
				t.Fatalf("tee_keypair is not a %s PEM", tc.pemType)
			}
			key, err := kbs.ParseTeeKeyPairPEM([]byte(keyPEM), tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := kbsclient.GetResourceWithToken(t.Context(), tr.URL, "default/key/1", token, key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, secret) {
				t.Fatalf("resource = %q, want %q", got, secret)
			}

			// The second call reuses the token and its key: no new handshake.
			again, err := c.GetToken(t.Context(), &pb.GetTokenRequest{TokenType: "kbs"})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.GetToken(), answer.GetToken()) {
				t.Fatal("the cached token was not reused")
			}
			if n := tr.auths.Load(); n != 1 {
				t.Fatalf("%d attestation handshakes for two GetToken calls, want 1", n)
			}
		})
	}
}

// TestInitDataInTrusteeToken: the init-data document the agent was started
// with reaches Trustee, which puts its digest and parsed contents in the
// token it signs.
func TestInitDataInTrusteeToken(t *testing.T) {
	tr := newCountingTrustee(t)
	agent := newAgent(t, Options{Config: kbsConfig(tr.url, ""), Primary: attester.Sample{},
		InitData: InitData{TOML: []byte(testInitData)}})
	answer, err := client(t, serve(t, agent)).GetToken(t.Context(), &pb.GetTokenRequest{TokenType: "kbs"})
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokenAnswer(t, answer.GetToken())
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := kbs.SHA384.Sum([]byte(testInitData))
	for _, want := range []string{base64.StdEncoding.EncodeToString(digest), "http://10.0.0.1:8080"} {
		if !bytes.Contains(payload, []byte(want)) {
			t.Errorf("token claims lack %q: %s", want, payload)
		}
	}
}
