package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// affirmAllPolicy is an attestation policy that affirms any evidence: what
// an attacker would like to upload.
const affirmAllPolicy = `package policy

import rego.v1

trust_claims := {"executables": 2, "hardware": 2, "configuration": 2}
`

// upstreamErrorPrefix starts the "type" of every upstream KBS error body.
const upstreamErrorPrefix = "https://github.com/confidential-containers/kbs/errors/"

// Every admin call is refused unless it carries a token signed by an
// admin's key and still valid, and a refused call changes nothing.
func TestAdminCallsRefusedWithoutValidToken(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	s := n.start(t)
	dir := t.TempDir()
	secret := randomSecret(t)
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource", "--path", "default/key/1", "--resource-file", writeFile(t, dir, "secret", secret)))
	mustSucceed(t, s.admin(t, n.adminKey, "set-resource-policy", "--allow-all"))
	mustSucceed(t, s.admin(t, n.adminKey, "set-sample-reference-value", "svn", "1"))

	_, otherKey, _ := adminKeyPair(t, dir, "intruder")
	now := time.Now()
	expired := signAdminToken(t, n.adminPriv, map[string]any{
		"iat": now.Add(-3 * time.Hour).Unix(), "nbf": now.Add(-3 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix(),
	})
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"exp":`+jsonInt(now.Add(time.Hour).Unix())+`}`)) + "."

	credentials := []struct {
		name    string
		flags   []string
		refusal string // pattern stderr must match
	}{
		// kbs-client refuses to send an admin call without credentials;
		// the server's side of that case is checked over raw HTTP below.
		{"no credentials", nil, `no admin credentials`},
		{"key that is not the admin's", []string{"--auth-private-key", otherKey}, `\b401 AdminAuth\w+`},
		{"expired token", []string{"--admin-token-file", writeFile(t, dir, "expired", []byte(expired))}, `\b401 AdminAuth\w+`},
		{"alg none token", []string{"--admin-token-file", writeFile(t, dir, "unsigned", []byte(unsigned))}, `\b401 AdminAuth\w+`},
		{"not a token", []string{"--admin-token-file", writeFile(t, dir, "garbage", []byte("not.a.token"))}, `\b401 AdminAuth\w+`},
	}
	calls := [][]string{
		{"set-resource", "--path", "default/key/1", "--resource-file", writeFile(t, dir, "replacement", []byte("replaced"))},
		{"set-resource", "--path", "default/key/new", "--resource-file", writeFile(t, dir, "new", []byte("new"))},
		{"delete-resource", "--path", "default/key/1"},
		{"set-resource-policy", "--deny-all"},
		{"get-resource-policy"},
		{"set-attestation-policy", "--policy-file", writeFile(t, dir, "affirm-all.rego", []byte(affirmAllPolicy))},
		{"set-sample-reference-value", "svn", "9"},
		{"get-reference-value", "--id", "svn"},
	}
	t.Run("kbs-client", func(t *testing.T) {
		for _, cred := range credentials {
			t.Run(cred.name, func(t *testing.T) {
				t.Parallel()
				for _, call := range calls {
					args := append(append([]string{"config"}, cred.flags...), call...)
					mustFail(t, s.kbsClient(t, args...), cred.refusal)
				}
			})
		}
	})

	t.Run("raw HTTP without Authorization", func(t *testing.T) {
		policyBody, _ := json.Marshal(map[string]string{"policy": base64.RawURLEncoding.EncodeToString([]byte(affirmAllPolicy))})
		for _, req := range []struct {
			method, path string
			body         []byte
		}{
			{http.MethodPost, "/kbs/v0/resource/default/key/1", []byte("replaced")},
			{http.MethodDelete, "/kbs/v0/resource/default/key/1", nil},
			{http.MethodPost, "/kbs/v0/resource-policy", policyBody},
			{http.MethodGet, "/kbs/v0/resource-policy", nil},
			{http.MethodPost, "/kbs/v0/attestation-policy", policyBody},
			{http.MethodPost, "/kbs/v0/reference-value", []byte(`{"version":"0.1.0","type":"sample","payload":"e30="}`)},
			{http.MethodGet, "/kbs/v0/reference-value/svn", nil},
		} {
			status, body := s.do(t, req.method, req.path, nil, req.body)
			var e struct{ Type, Detail string }
			_ = json.Unmarshal(body, &e)
			if status != http.StatusUnauthorized || !strings.HasPrefix(e.Type, upstreamErrorPrefix+"AdminAuth") {
				t.Errorf("%s %s without a token: %d %s, want 401 with an AdminAuth* error body", req.method, req.path, status, body)
			}
		}
	})

	// Nothing changed: the resource is still there with its bytes, the
	// allow-all policy still releases it, svn is still ["1"], and the
	// attestation policy is still the default one.
	if got := s.getResource(t, "default/key/1"); !bytes.Equal(got, secret) {
		t.Errorf("resource after refused calls = %x, want %x", got, secret)
	}
	mustFail(t, s.kbsClient(t, "get-resource", "--path", "default/key/new"), `\b401\b`)
	if r := mustSucceed(t, s.admin(t, n.adminKey, "get-reference-value", "--id", "svn")); compactJSON(t, r.stdout) != `["1"]` {
		t.Errorf("svn after refused calls = %s, want [\"1\"]", r.stdout)
	}
	_, claims := s.attest(t)
	if got := earStatus(t, claims); got != "contraindicated" {
		t.Errorf("ear.status after refused calls = %q, want contraindicated (default policy, reference values missing)", got)
	}

	// The refused policy upload would have mattered: accepted from the
	// admin, it makes the same evidence affirming.
	mustSucceed(t, s.admin(t, n.adminKey, "set-attestation-policy", "--policy-file", calls[5][2]))
	if _, claims := s.attest(t); earStatus(t, claims) != "affirming" {
		t.Errorf("ear.status after the admin's policy upload = %q, want affirming", earStatus(t, claims))
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// compactJSON re-encodes JSON text without insignificant space.
func compactJSON(t *testing.T, text string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		t.Fatalf("not JSON: %v: %q", err, text)
	}
	return buf.String()
}
