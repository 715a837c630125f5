package initdata

import (
	"encoding/json"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// FuzzParse: no panic; an accepted document digests and yields JSON claims.
func FuzzParse(f *testing.F) {
	f.Add(upstream.Read(f, upstreamWithPolicy))
	f.Add([]byte("version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"aa.toml\" = '''\n[a]\nb = 1\n'''\n"))
	f.Add([]byte("version = \"0.1.0\"\nalgorithm = \"sha-512\"\n[data]\n"))
	f.Add([]byte("[data]\nx = 1"))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := Parse(body)
		if err != nil {
			return
		}
		if _, err := doc.Digest(body); err != nil {
			t.Fatalf("accepted document cannot be digested: %v", err)
		}
		claims, err := doc.Claims()
		if err != nil {
			return
		}
		if _, err := json.Marshal(claims); err != nil {
			t.Fatalf("claims are not JSON: %v", err)
		}
	})
}

// FuzzClaims feeds arbitrary contents to every interpreted data file.
func FuzzClaims(f *testing.F) {
	f.Add("[a]\nb = [1, 2.5, nan, 1979-05-27]\n[[c]]\nd = true\n")
	f.Add("package p\npolicy_data := {\"containers\": [{\"OCI\": {}}]}\n")
	f.Add("policy_data := {")
	f.Fuzz(func(t *testing.T, content string) {
		doc := &Document{Data: map[string]string{"aa.toml": content, "cdh.toml": content, "policy.rego": content}}
		claims, err := doc.Claims()
		if err != nil {
			return
		}
		if _, err := json.Marshal(claims); err != nil {
			t.Fatalf("claims are not JSON: %v", err)
		}
	})
}
