package e2e

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// initDataTOML is an init-data document as a pod would carry it, with
// aa.toml and cdh.toml entries; %s is the digest algorithm.
const initDataTOML = `version = "0.1.0"
algorithm = "%s"

[data]
"aa.toml" = '''
[token_configs]
[token_configs.kbs]
url = "http://127.0.0.1:8080"
'''

"cdh.toml" = '''
socket = "unix:///run/confidential-containers/cdh.sock"
[kbc]
name = "cc_kbc"
url = "http://127.0.0.1:8080"
'''
`

// The claims the two entries above parse to.
var (
	wantAAClaims = map[string]any{
		"token_configs": map[string]any{"kbs": map[string]any{"url": "http://127.0.0.1:8080"}},
	}
	wantCDHClaims = map[string]any{
		"socket": "unix:///run/confidential-containers/cdh.sock",
		"kbc":    map[string]any{"name": "cc_kbc", "url": "http://127.0.0.1:8080"},
	}
)

// The init-data a guest attests with is bound into the token: its digest
// over the raw bytes (standard base64, as the sample verifier reports it)
// and its parsed contents.
func TestInitDataInToken(t *testing.T) {
	t.Parallel()
	s := newNode(t).start(t)

	for _, tc := range []struct {
		algorithm string
		digest    func([]byte) []byte
	}{
		{"sha256", func(b []byte) []byte { d := sha256.Sum256(b); return d[:] }},
		{"sha384", func(b []byte) []byte { d := sha512.Sum384(b); return d[:] }},
		{"sha512", func(b []byte) []byte { d := sha512.Sum512(b); return d[:] }},
	} {
		t.Run(tc.algorithm, func(t *testing.T) {
			doc := []byte(fmt.Sprintf(initDataTOML, tc.algorithm))
			_, claims := s.attest(t, "--init-data", writeFile(t, t.TempDir(), "initdata.toml", doc))
			ev := annotatedEvidence(t, claims)
			if got, want := ev["init_data"], base64.StdEncoding.EncodeToString(tc.digest(doc)); got != want {
				t.Errorf("init_data = %v, want %s (%s of the document)", got, want, tc.algorithm)
			}
			idc, _ := ev["init_data_claims"].(map[string]any)
			if !reflect.DeepEqual(idc["aa.toml"], wantAAClaims) {
				t.Errorf("init_data_claims[aa.toml] = %v, want %v", idc["aa.toml"], wantAAClaims)
			}
			if !reflect.DeepEqual(idc["cdh.toml"], wantCDHClaims) {
				t.Errorf("init_data_claims[cdh.toml] = %v, want %v", idc["cdh.toml"], wantCDHClaims)
			}
		})
	}

	t.Run("upstream document with agent policy", func(t *testing.T) {
		path := upstream.Path(t, "trustee/initdata/init-data-with-policy.toml")
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "algorithm = 'sha256'") {
			t.Fatalf("%s no longer says algorithm = 'sha256'; update the expected digest", path)
		}
		_, claims := s.attest(t, "--init-data", path)
		ev := annotatedEvidence(t, claims)
		digest := sha256.Sum256(doc)
		if got, want := ev["init_data"], base64.StdEncoding.EncodeToString(digest[:]); got != want {
			t.Errorf("init_data = %v, want %s", got, want)
		}
		// What upstream's own integration test asks of this document.
		var idc struct {
			AgentPolicyClaims struct {
				Containers []struct {
					OCI struct {
						Process struct{ Args []string }
					}
				}
			} `json:"agent_policy_claims"`
		}
		raw, _ := json.Marshal(ev["init_data_claims"])
		if err := json.Unmarshal(raw, &idc); err != nil {
			t.Fatalf("init_data_claims: %v\n%s", err, raw)
		}
		c := idc.AgentPolicyClaims.Containers
		if len(c) < 2 || len(c[1].OCI.Process.Args) == 0 || c[1].OCI.Process.Args[0] != "/opt/bitnami/scripts/nginx/entrypoint.sh" {
			t.Errorf("agent_policy_claims.containers = %+v, want the nginx entrypoint in the second container", c)
		}
		// The default CPU policy names the workload from the agent policy.
		ids, _ := json.Marshal(cpu0(t, claims)["ear.trustee.identifiers"])
		if want := `{"validated":{"container_images":["bitnami/nginx:latest"],"container_uids":[65535,1001]}}`; string(ids) != want {
			t.Errorf("ear.trustee.identifiers = %s, want %s", ids, want)
		}
	})
}
