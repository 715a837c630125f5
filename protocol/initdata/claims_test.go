package initdata

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// asJSON normalises claims through JSON so tests compare plain values.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The identifiers upstream's default CPU policy derives from the claims
// (integration-tests check_validated_identifiers).
func TestClaimsOfUpstreamDocumentYieldPolicyIdentifiers(t *testing.T) {
	doc, err := Parse(upstream.Read(t, upstreamWithPolicy))
	if err != nil {
		t.Fatal(err)
	}
	claims, err := doc.Claims()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := claims["policy.rego"]; ok {
		t.Error("policy.rego kept next to agent_policy_claims")
	}
	policy := asJSON(t, claims["agent_policy_claims"]).(map[string]any)
	var images []any
	var uids []any
	for _, c := range policy["containers"].([]any) {
		oci := c.(map[string]any)["OCI"].(map[string]any)
		if image, ok := oci["Annotations"].(map[string]any)["io.kubernetes.cri.image-name"]; ok {
			images = append(images, image)
		}
		uids = append(uids, oci["Process"].(map[string]any)["User"].(map[string]any)["UID"])
	}
	if !reflect.DeepEqual(images, []any{"bitnami/nginx:latest"}) {
		t.Errorf("container images %v", images)
	}
	if !reflect.DeepEqual(uids, []any{65535.0, 1001.0}) {
		t.Errorf("container uids %v", uids)
	}
	args := policy["containers"].([]any)[1].(map[string]any)["OCI"].(map[string]any)["Process"].(map[string]any)["Args"].([]any)
	if args[0] != "/opt/bitnami/scripts/nginx/entrypoint.sh" {
		t.Errorf("container 1 args %v", args)
	}
	// Integers stay exact: json.Number, not float64.
	uid := claims["agent_policy_claims"].(map[string]any)["containers"].([]any)[0].(map[string]any)["OCI"].(map[string]any)["Process"].(map[string]any)["User"].(map[string]any)["UID"]
	if uid != json.Number("65535") {
		t.Errorf("UID decoded as %T %v", uid, uid)
	}
}

func TestClaimsParseAgentConfigs(t *testing.T) {
	doc := &Document{Version: Version, Data: map[string]string{
		"aa.toml": "[token_configs]\n[token_configs.kbs]\nurl = \"http://kbs:8080\"\n",
		"cdh.toml": `socket = 'unix:///run/cdh.sock'
[kbc]
name = 'cc_kbc'
[image]
extra_root_certificates = ["-----BEGIN CERTIFICATE-----"]
max_concurrent_layer_downloads_per_image = 3
[[credentials]]
path = "/a"
[[credentials]]
path = "/b"
[times]
odt = 1979-05-27T07:32:00Z
ldt = 1979-05-27T07:32:00.5
ld = 1979-05-27
lt = 07:32:00
nan = nan
inf = -inf
ratio = 0.5
on = true
`,
		"other.txt": "kept as is",
	}}
	claims, err := doc.Claims()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"aa.toml": map[string]any{"token_configs": map[string]any{"kbs": map[string]any{"url": "http://kbs:8080"}}},
		"cdh.toml": map[string]any{
			"socket":      "unix:///run/cdh.sock",
			"kbc":         map[string]any{"name": "cc_kbc"},
			"image":       map[string]any{"extra_root_certificates": []any{"-----BEGIN CERTIFICATE-----"}, "max_concurrent_layer_downloads_per_image": 3.0},
			"credentials": []any{map[string]any{"path": "/a"}, map[string]any{"path": "/b"}},
			"times": map[string]any{
				"odt": "1979-05-27T07:32:00Z", "ldt": "1979-05-27T07:32:00.5", "ld": "1979-05-27", "lt": "07:32:00",
				"nan": nil, "inf": nil, "ratio": 0.5, "on": true,
			},
		},
		"other.txt": "kept as is",
	}
	if got := asJSON(t, claims); !reflect.DeepEqual(got, want) {
		t.Errorf("claims\n got %v\nwant %v", got, want)
	}
}

func TestClaimsKeepWhatDoesNotParse(t *testing.T) {
	cases := map[string]string{
		"aa.toml":     "not = = toml",
		"policy.rego": "package agent_policy\ndefault allow := true\n",
	}
	for name, content := range cases {
		claims, err := (&Document{Data: map[string]string{name: content}}).Claims()
		if err != nil {
			t.Fatal(err)
		}
		if claims[name] != content {
			t.Errorf("%s: replaced by %v", name, claims[name])
		}
	}
	trailing := "policy_data := {\"a\": 1}\n\nallow := true\n"
	claims, _ := (&Document{Data: map[string]string{"policy.rego": trailing}}).Claims()
	if _, ok := claims["agent_policy_claims"]; ok {
		t.Error("policy_data followed by more rules was parsed (upstream needs it last)")
	}
	claims, _ = (&Document{Data: map[string]string{"policy.rego": "x := 1\npolicy_data := {\"a\": [1, 2]}\n  \n"}}).Claims()
	if got := asJSON(t, claims); !reflect.DeepEqual(got, map[string]any{"agent_policy_claims": map[string]any{"a": []any{1.0, 2.0}}}) {
		t.Errorf("claims %v", got)
	}
}
