package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// tokenClaims is an EAR token payload with one submod for tee.
func tokenClaims(tee string, claims map[string]any, status string) map[string]any {
	return map[string]any{
		"eat_profile": "tag:github.com,2024:confidential-containers/Trustee",
		"submods": map[string]any{
			"cpu0": map[string]any{
				"ear.status":                      status,
				"ear.veraison.annotated-evidence": map[string]any{tee: claims},
			},
		},
	}
}

func resourceData(plugin string, path ...any) map[string]any {
	return map[string]any{"plugin": plugin, "resource-path": path, "query": map[string]any{}}
}

func TestAllowKBSSamplePolicies(t *testing.T) {
	sample := tokenClaims("sample", sampleTEEClaims(), "contraindicated")
	snpAffirming := tokenClaims("snp", map[string]any{"measurement": "00"}, "affirming")
	snpWarning := tokenClaims("snp", map[string]any{"measurement": "00"}, "warning")
	twoAffirming := tokenClaims("snp", map[string]any{}, "affirming")
	twoAffirming["submods"].(map[string]any)["gpu0"] = map[string]any{"ear.status": "affirming"}
	oneWarning := tokenClaims("snp", map[string]any{}, "affirming")
	oneWarning["submods"].(map[string]any)["gpu0"] = map[string]any{"ear.status": "warning"}
	noSubmods := map[string]any{"submods": map[string]any{}}
	key := resourceData("resource", "default", "key", "1")
	other := resourceData("plugin1", "para", "meters")

	cases := []struct {
		policy string
		input  map[string]any
		data   map[string]any
		want   bool
	}{
		{"default.rego", sample, key, false},
		{"default.rego", snpAffirming, key, true},
		{"default.rego", snpAffirming, other, false},
		{"allow_all.rego", sample, key, true},
		{"allow_all.rego", sample, other, false},
		{"deny_all.rego", snpAffirming, key, false},
		{"affirming.rego", sample, key, false},
		{"affirming.rego", snpAffirming, key, true},
		{"affirming.rego", snpWarning, key, false},
		{"affirming.rego", twoAffirming, key, true},
		{"affirming.rego", oneWarning, key, false},
		{"affirming.rego", noSubmods, key, false},
	}
	e := NewEngine(nil)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s", i, c.policy), func(t *testing.T) {
			got, err := e.Allow(context.Background(), string(upstream.Read(t, "trustee/policies/kbs/"+c.policy)), c.input, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("allow = %v, want %v", got, c.want)
			}
		})
	}
}

// TestAllowUpstreamEngineCases reproduces the cases of upstream's
// deps/policy-engine rego tests (test_kbs_policy_evaluate), plus the
// policy_2 and a passing policy_5 case upstream lacks.
func TestAllowUpstreamEngineCases(t *testing.T) {
	input := func(productID string, svn int) map[string]any {
		return map[string]any{
			"submods": map[string]any{
				"cpu0": map[string]any{
					"ear.trustworthiness-vector": map[string]any{"executables": 2, "hardware": 3},
					"ear.veraison.annotated-evidence": map[string]any{
						"sample": map[string]any{"productId": productID, "svn": svn},
					},
				},
			},
		}
	}
	cases := []struct {
		policy    string
		data      map[string]any
		productID string
		svn       int
		want      bool
	}{
		{"policy_1.rego", resourceData("resource", "my_repo", "Alice", "key"), "Alice", 1, true},
		{"policy_1.rego", resourceData("another-plugin", "my_repo", "Alice", "key"), "Alice", 1, false},
		{"policy_4.rego", resourceData("resource", "my_repo", "Alice", "key"), "Alice", 1, true},
		{"policy_1.rego", resourceData("resource", "my_repo", "Alice", "key"), "Bob", 1, false},
		{"policy_3.rego", resourceData("resource", "my_repo", "Alice", "key"), "Alice", 1, false},
		{"policy_5.rego", resourceData("resource", "myrepo", "secret", "secret"), "n", 2, false},
		{"policy_5.rego", resourceData("resource", "myrepo", "secret", "secret1"), "n", 1, false},
		{"policy_5.rego", resourceData("resource", "myrepo", "secret", "secret2"), "n", 2, false},
		{"policy_5.rego", resourceData("resource", "myrepo", "secret", "secret3"), "n", 3, false},
		{"policy_5.rego", resourceData("resource", "a", "b", "secret2"), "n", 3, false},
		{"policy_5.rego", resourceData("abc"), "n", 3, false},
		// Not upstream: the passing side of policy_5 and the allow-all policy_2.
		{"policy_5.rego", resourceData("resource", "myrepo", "secret", "secret2"), "n", 3, true},
		{"policy_5.rego", resourceData("resource", "myrepo", "secret", "secret1"), "n", 2, true},
		{"policy_2.rego", resourceData("abc"), "n", 0, true},
	}
	e := NewEngine(nil)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s", i, c.policy), func(t *testing.T) {
			got, err := e.Allow(context.Background(), string(upstream.Read(t, "trustee/policies/engine/"+c.policy)), input(c.productID, c.svn), c.data)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("allow = %v, want %v", got, c.want)
			}
		})
	}
}

func TestAllowDataShapes(t *testing.T) {
	e := NewEngine(nil)
	ctx := context.Background()
	// The plugin, the whole path, a path element by index and the query
	// all reach the policy.
	module := `package policy
import rego.v1
default allow := false
allow if {
	data.plugin == "plugin1"
	data["resource-path"] == ["para", "meters"]
	data["resource-path"][1] == "meters"
	data.query == {"version": "1.0.0"}
}
`
	d := map[string]any{"plugin": "plugin1", "resource-path": []string{"para", "meters"}, "query": map[string]string{"version": "1.0.0"}}
	got, err := e.Allow(ctx, module, map[string]any{}, d)
	if err != nil || !got {
		t.Fatalf("Allow = %v, %v; want true", got, err)
	}
	d["query"] = map[string]string{"version": "2.0.0"}
	if got, err := e.Allow(ctx, module, map[string]any{}, d); err != nil || got {
		t.Fatalf("Allow = %v, %v; want false", got, err)
	}
	// Without data nothing matches, and nothing fails.
	if got, err := e.Allow(ctx, module, map[string]any{}, nil); err != nil || got {
		t.Fatalf("Allow(nil data) = %v, %v; want false", got, err)
	}
	// A data document must not be able to pose as the policy's rules.
	if _, err := e.Allow(ctx, string(upstream.Read(t, "trustee/policies/kbs/deny_all.rego")), map[string]any{}, map[string]any{"policy": map[string]any{"allow": true}}); err == nil {
		t.Fatal("Allow accepted data with a policy key")
	}
}

func TestAllowNotBoolean(t *testing.T) {
	e := NewEngine(nil)
	ctx := context.Background()
	for name, module := range map[string]string{
		"string":    "package policy\nallow := \"yes\"\n",
		"undefined": "package policy\nimport rego.v1\nallow if input.never\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := e.Allow(ctx, module, map[string]any{}, resourceData("resource"))
			if got || !errors.Is(err, ErrNotBoolean) {
				t.Fatalf("Allow = %v, %v; want false, ErrNotBoolean", got, err)
			}
		})
	}
	// Undefined on the sample input is fine at upload, a string is not.
	if err := e.Check(ctx, "package policy\nimport rego.v1\nallow if input.never\n", KindResource); err != nil {
		t.Fatalf("Check(undefined allow) = %v", err)
	}
	if err := e.Check(ctx, "package policy\nallow := \"yes\"\n", KindResource); !errors.Is(err, ErrNotBoolean) {
		t.Fatalf("Check(string allow) = %v, want ErrNotBoolean", err)
	}
	// No allow rule at all can never grant anything: refused at upload.
	if err := e.Check(ctx, "package policy\nx := 1\n", KindResource); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("Check(no allow) = %v, want ErrInvalidPolicy", err)
	}
}

func TestAllowRefusesReferenceValues(t *testing.T) {
	// Upstream's KBS evaluates without the reference-value extension.
	module := "package policy\nimport rego.v1\ndefault allow := false\nallow if query_reference_value(\"x\") == null\n"
	if _, err := NewEngine(nil).Allow(context.Background(), module, map[string]any{}, resourceData("resource")); err == nil {
		t.Fatal("resource policy could query reference values")
	}
}

func TestAllowJSONInput(t *testing.T) {
	e := NewEngine(nil)
	module := string(upstream.Read(t, "trustee/policies/kbs/affirming.rego"))
	claims := json.RawMessage(`{"submods":{"cpu0":{"ear.status":"affirming"}}}`)
	got, err := e.Allow(context.Background(), module, claims, resourceData("resource", "a", "b", "c"))
	if err != nil || !got {
		t.Fatalf("Allow = %v, %v; want true", got, err)
	}
	if _, err := e.Allow(context.Background(), module, json.RawMessage(`{"submods":`), nil); err == nil {
		t.Fatal("Allow accepted truncated JSON input")
	}
}
