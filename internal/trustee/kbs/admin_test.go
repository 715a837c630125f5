package kbs_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	kbsserver "github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func TestAdminCallsNeedAValidAdminToken(t *testing.T) {
	h := newHarness(t)
	stranger, _, err := admin.GenerateKeyPair()
	must(t, err)
	strangerToken, err := adminToken(stranger)
	must(t, err)
	attestationToken := newGuestToken(t, h)

	calls := []struct{ method, path, body string }{
		{http.MethodPost, "/kbs/v0/resource/default/key/1", "x"},
		{http.MethodDelete, "/kbs/v0/resource/default/key/1", ""},
		{http.MethodPost, "/kbs/v0/resource-policy", `{"policy":"` + b64url(kbsserver.AllowSampleResourcePolicy) + `"}`},
		{http.MethodGet, "/kbs/v0/resource-policy", ""},
		{http.MethodPost, "/kbs/v0/attestation-policy", `{"type":"rego","policy_id":"default_cpu","policy":"` + b64url("package policy") + `"}`},
		{http.MethodPost, "/kbs/v0/reference-value", `{}`},
		{http.MethodGet, "/kbs/v0/reference-value/x", ""},
		{http.MethodGet, "/kbs/v0/sample/anything", ""},
	}
	for _, c := range calls {
		for name, header := range map[string]http.Header{
			"no token":          nil,
			"stranger's token":  bearer(strangerToken),
			"attestation token": bearer(attestationToken),
			"garbage":           bearer("x.y.z"),
		} {
			resp, out := h.do(c.method, c.path, []byte(c.body), header)
			t.Run(c.method+" "+c.path+" "+name, func(t *testing.T) {
				expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrAdminAuthAccess)
			})
		}
	}
	if _, err := h.tr.Store.Get(context.Background(), "repository", "default/key/1"); err == nil {
		t.Fatal("a refused admin call stored a resource")
	}
}

func newGuestToken(t *testing.T, h *harness) string {
	t.Helper()
	return newGuest(h).attest()
}

// resourcePolicy is the resource policy the server stored.
func (h *harness) resourcePolicy() string {
	h.t.Helper()
	b, err := h.tr.Store.Get(context.Background(), storage.NamespaceKBS, kbsserver.ResourcePolicyID+".rego")
	must(h.t, err)
	return string(b)
}

func TestAdminEndpoints(t *testing.T) {
	h := newHarness(t)
	admin := h.adminHeader()
	ok := func(method, path, body string) []byte {
		t.Helper()
		resp, out := h.do(method, path, []byte(body), admin)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, out)
		}
		return out
	}

	if got := ok(http.MethodGet, "/kbs/v0/resource-policy", ""); string(got) != `["resource-policy"]` {
		t.Fatalf("resource policy ids = %s", got)
	}
	resp, out := h.do(http.MethodPost, "/kbs/v0/resource-policy", []byte(`{"policy":"`+b64url("package policy\nallow := 1 +")+`"}`), admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrPolicyEngine)
	resp, out = h.do(http.MethodPost, "/kbs/v0/resource-policy", []byte(`{"policy":"***"}`), admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrParsePolicy)
	resp, out = h.do(http.MethodPost, "/kbs/v0/resource-policy", []byte(`{}`), admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrParsePolicy)
	if stored := h.resourcePolicy(); stored != kbsserver.DefaultResourcePolicy {
		t.Fatal("a refused policy replaced the stored one")
	}

	// Attestation policy: a good one is stored in the AS, a broken one refused.
	appraisal := `package policy
default trust_claims := {}
trust_claims := {"executables": 3}
default extensions := []`
	ok(http.MethodPost, "/kbs/v0/attestation-policy", `{"type":"rego","policy_id":"mine_cpu","policy":"`+b64url(appraisal)+`"}`)
	resp, out = h.do(http.MethodPost, "/kbs/v0/attestation-policy", []byte(`{"policy_id":"bad_cpu","policy":"`+b64url("not rego")+`"}`), admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrAttestation)

	// Resources: store, overwrite, delete.
	ok(http.MethodPost, "/kbs/v0/resource/default/key/1", "one")
	ok(http.MethodPost, "/kbs/v0/resource/default/key/1", "two")
	if got, _ := h.tr.Store.Get(context.Background(), "repository", "default/key/1"); string(got) != "two" {
		t.Fatalf("stored resource = %q", got)
	}
	ok(http.MethodDelete, "/kbs/v0/resource/default/key/1", "")
	resp, out = h.do(http.MethodDelete, "/kbs/v0/resource/default/key/1", nil, admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrPluginInternal)
	resp, out = h.do(http.MethodPost, "/kbs/v0/resource/default/../1", []byte("x"), admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrPluginInternal)

	// The sample plugin is an admin plugin answering in clear.
	if got := ok(http.MethodGet, "/kbs/v0/sample/x", ""); string(got) != plugin.SampleResponse {
		t.Fatalf("sample plugin = %q", got)
	}
}

func TestReferenceValues(t *testing.T) {
	h := newHarness(t)
	admin := h.adminHeader()
	msg, err := kbsclient.SampleReferenceValueMessage("svn", "1", false)
	must(t, err)
	resp, out := h.do(http.MethodPost, "/kbs/v0/reference-value", msg, admin)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register = %d %s", resp.StatusCode, out)
	}
	resp, out = h.do(http.MethodGet, "/kbs/v0/reference-value/svn", nil, admin)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"1"`)) {
		t.Fatalf("query = %d %s", resp.StatusCode, out)
	}
	resp, out = h.do(http.MethodPost, "/kbs/v0/reference-value", []byte(`{"nope":`), admin)
	expectError(t, resp, out, http.StatusUnauthorized, kbs.ErrRvps)
}

func TestMetricsMove(t *testing.T) {
	h := newHarness(t)
	h.putResource("default/key/1", secret)
	tok := newGuest(h).attest()
	h.do(http.MethodPost, "/kbs/v0/auth", []byte("{"), nil)
	h.do(http.MethodGet, "/kbs/v0/resource/default/key/1", nil, bearer(tok)) // denied: sample TEE
	resp, out := h.do(http.MethodGet, "/metrics", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	text := string(out)
	for _, want := range []string{
		"kbs_auth_requests_total 2",
		"kbs_auth_successes_total 1",
		"kbs_auth_errors_total 1",
		"kbs_attestation_requests_total 1",
		`kbs_attestation_successes_total{tee_type="sample"} 1`,
		"kbs_policy_evaluations_total 1",
		"kbs_policy_violations_total 1",
		`kbs_resource_writes_total{resource_path="default/key/1"} 1`,
		"kbs_http_requests_total 5",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if resp, _ := h.do(http.MethodPost, "/metrics", nil, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
	}
	if resp, _ := h.do(http.MethodGet, "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d", resp.StatusCode)
	}
}
