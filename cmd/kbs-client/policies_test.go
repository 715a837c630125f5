package main

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// token builds EAR claims with one submodule per status; cpu0 carries
// evidence of tee.
func token(tee string, statuses ...string) map[string]any {
	submods := map[string]any{}
	for i, status := range statuses {
		name := "cpu0"
		if i > 0 {
			name = "gpu" + string(rune('0'+i-1))
		}
		submods[name] = map[string]any{
			"ear.status":                      status,
			"ear.veraison.annotated-evidence": map[string]any{tee: map[string]any{"svn": "1"}},
		}
	}
	return map[string]any{"submods": submods}
}

// TestPresetPoliciesMeaning evaluates each preset with OPA, the way the KBS
// does: data.policy.allow with the token claims as input and the request
// as data.
func TestPresetPoliciesMeaning(t *testing.T) {
	resource := map[string]any{"plugin": "resource", "resource-path": []any{"default", "key", "1"}, "query": map[string]any{}}
	other := map[string]any{"plugin": "nebula-ca", "resource-path": []any{"credential"}, "query": map[string]any{}}
	cases := []struct {
		preset string
		input  map[string]any
		data   map[string]any
		allow  bool
	}{
		{presetAllowAll, token("sample", "contraindicated"), resource, true},
		{presetAllowAll, token("tdx", "affirming"), other, false},
		{presetDenyAll, token("tdx", "affirming"), resource, false},
		{presetAffirming, token("tdx", "affirming", "affirming"), resource, true},
		{presetAffirming, token("tdx", "affirming", "warning"), resource, false},
		{presetAffirming, map[string]any{"submods": map[string]any{}}, resource, false},
		{presetDefault, token("tdx", "affirming"), resource, true},
		{presetDefault, token("tdx", "contraindicated"), resource, false},
		{presetDefault, token("sample", "affirming"), resource, false},
		{presetDefault, token("snp", "affirming"), other, false},
	}
	for _, tc := range cases {
		policy, err := presetPolicy(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := rego.New(
			rego.Query("data.policy.allow"),
			rego.Module(tc.preset+".rego", string(policy)),
			rego.Store(inmem.NewFromObject(tc.data)),
			rego.Input(tc.input),
		).Eval(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", tc.preset, err)
		}
		if len(rs) != 1 || rs[0].Expressions[0].Value != tc.allow {
			t.Errorf("%s with %v on plugin %v: %v, want allow=%t", tc.preset, tc.input, tc.data["plugin"], rs, tc.allow)
		}
	}
}
