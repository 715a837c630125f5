package kbs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	kbsserver "github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

var secret = []byte("top secret \x00\xff bytes")

// The whole RCAR with our Go client: the resource arrives decrypted,
// byte for byte, for a guest with and without an additional device.
func TestClientFetchesResource(t *testing.T) {
	for _, withDevice := range []bool{false, true} {
		h := newHarness(t, trusteetest.WithSampleTEE())
		h.putResource("default/key/1", secret)
		client, err := kbsclient.New(h.tr.URL, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(withDevice)))
		must(t, err)
		got, err := client.GetResource(context.Background(), "default/key/1")
		if err != nil {
			t.Fatalf("device=%v: GetResource: %v", withDevice, err)
		}
		if !bytes.Equal(got, secret) {
			t.Fatalf("device=%v: resource = %q, want %q", withDevice, got, secret)
		}
	}
}

func TestCookieFlowAndStoredToken(t *testing.T) {
	h := newHarness(t, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	g := newGuest(h)
	g.auth()
	att := g.attestation(g.nonce, g.deviceEvidence(g.nonce), nil)
	resp, body := g.postAttest(att)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/attest = %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var first kbs.AttestationResponse
	must(t, json.Unmarshal(body, &first))

	// A second /attest on the attested session answers the stored token,
	// even for a request that would not verify.
	resp, body = g.postAttest(g.attestation("another nonce", "", nil))
	var second kbs.AttestationResponse
	must(t, json.Unmarshal(body, &second))
	if resp.StatusCode != http.StatusOK || second.Token != first.Token {
		t.Fatalf("second /attest = %d, same token %v", resp.StatusCode, second.Token == first.Token)
	}

	resp, body = h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, nil, g.cookie)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET resource = %d %s", resp.StatusCode, body)
	}
	if got := g.decrypt(body); !bytes.Equal(got, secret) {
		t.Fatalf("resource = %q", got)
	}
}

func TestBearerFlow(t *testing.T) {
	h := newHarness(t, trusteetest.WithSampleTEE())
	h.putResource("default/key/1", secret)
	g := newGuest(h)
	tok := g.attest()
	resp, body := h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, bearer(tok))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET with Bearer = %d %s", resp.StatusCode, body)
	}
	if got := g.decrypt(body); !bytes.Equal(got, secret) {
		t.Fatalf("resource = %q", got)
	}
}

func TestDefaultPolicyDeniesSampleTEE(t *testing.T) {
	h := newHarness(t)
	h.putResource("default/key/1", secret)
	g := newGuest(h)
	tok := g.attest()
	resp, body := h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, bearer(tok))
	expectError(t, resp, body, http.StatusUnauthorized, kbs.ErrPolicyDeny)

	// The admin uploads a policy allowing the sample TEE: now it reads.
	policy, _ := json.Marshal(map[string]string{"policy": b64url(kbsserver.AllowSampleResourcePolicy)})
	resp, body = h.do(http.MethodPost, "/kbs/v0/resource-policy", policy, h.adminHeader())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set resource policy = %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, bearer(tok))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(g.decrypt(body), secret) {
		t.Fatalf("after allow policy: %d", resp.StatusCode)
	}
}

func TestResourcePolicySeesPluginPathAndQuery(t *testing.T) {
	h := newHarness(t)
	h.putResource("default/key/1", secret)
	h.putResource("default/key/2", secret)
	module := `package policy
default allow := false
allow if {
	data.plugin == "resource"
	data["resource-path"] == ["default", "key", "1"]
	data.query.v == "x"
	input.submods.cpu0["ear.veraison.annotated-evidence"].sample.svn == "1"
}`
	policy, _ := json.Marshal(map[string]string{"policy": b64url(module)})
	if resp, body := h.do(http.MethodPost, "/kbs/v0/resource-policy", policy, h.adminHeader()); resp.StatusCode != http.StatusOK {
		t.Fatalf("set policy = %d %s", resp.StatusCode, body)
	}
	tok := newGuest(h).attest()
	for path, want := range map[string]int{
		"/kbs/v0/resource/default/key/1?v=x": http.StatusOK,
		"/kbs/v0/resource/default/key/1?v=y": http.StatusUnauthorized,
		"/kbs/v0/resource/default/key/2?v=x": http.StatusUnauthorized,
	} {
		if resp, body := h.do(http.MethodGet, path, nil, bearer(tok)); resp.StatusCode != want {
			t.Errorf("%s = %d, want %d (%s)", path, resp.StatusCode, want, body)
		}
	}
}

func TestChallengeAndCookieShape(t *testing.T) {
	h := newHarness(t)
	for _, extra := range []string{`""`, `{}`, `{"supported-hash-algorithms":["sha384"]}`} {
		body := []byte(`{"version":"0.4.0","tee":"sample","extra-params":` + extra + `}`)
		resp, out := h.do(http.MethodPost, "/kbs/v0/auth", body, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("extra-params %s: %d %s", extra, resp.StatusCode, out)
		}
		var raw map[string]json.RawMessage
		must(t, json.Unmarshal(out, &raw))
		if string(raw["extra-params"]) != `""` || len(raw) != 2 {
			t.Fatalf("challenge %s: want nonce and extra-params \"\"", out)
		}
		var nonce string
		must(t, json.Unmarshal(raw["nonce"], &nonce))
		if len(nonce) != 44 || !strings.HasSuffix(nonce, "=") {
			t.Fatalf("nonce %q is not std base64 of 32 bytes", nonce)
		}
		set := resp.Header.Get("Set-Cookie")
		id, attrs, _ := strings.Cut(set, "; ")
		if !strings.HasPrefix(id, "kbs-session-id=") || !sessionIDPattern.MatchString(strings.TrimPrefix(id, "kbs-session-id=")) ||
			!strings.HasPrefix(attrs, "Expires=") || strings.Contains(attrs, ";") {
			t.Fatalf("Set-Cookie %q: want only the id and Expires", set)
		}
	}
}

// sessionIDPattern is a simple (undashed) UUID, as upstream's session ids.
var sessionIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
