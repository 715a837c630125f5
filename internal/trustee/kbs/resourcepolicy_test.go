package kbs

import (
	"context"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
)

// The default policy releases resource-plugin reads to tokens whose every
// submodule is affirming, never to the sample TEE. Upstream's default only
// refuses sample; Cocoon also refuses unappraised or failing evidence.
func TestDefaultResourcePolicyMeaning(t *testing.T) {
	engine := policy.NewEngine(discardLogger())
	claimsWith := func(tee, status string, extra map[string]any) map[string]any {
		submods := map[string]any{"cpu0": map[string]any{
			"ear.status":                      status,
			"ear.veraison.annotated-evidence": map[string]any{tee: map[string]any{"svn": "1"}},
		}}
		for k, v := range extra {
			submods[k] = v
		}
		return map[string]any{"submods": submods}
	}
	claims := func(tee string) map[string]any { return claimsWith(tee, "affirming", nil) }
	data := func(plugin string) map[string]any {
		return map[string]any{"plugin": plugin, "resource-path": []any{"a", "b", "c"}, "query": map[string]any{}}
	}
	for _, tc := range []struct {
		tee, plugin string
		want        bool
	}{
		{"tdx", "resource", true},
		{"snp", "resource", true},
		{"sample", "resource", false},
		{"tdx", "other", false},
	} {
		got, err := engine.Allow(context.Background(), DefaultResourcePolicy, claims(tc.tee), data(tc.plugin))
		if err != nil || got != tc.want {
			t.Errorf("%s/%s: allow = %v, %v; want %v", tc.tee, tc.plugin, got, err, tc.want)
		}
	}
	gpuWarning := map[string]any{"gpu0": map[string]any{"ear.status": "warning"}}
	for name, tc := range map[string]struct {
		claims map[string]any
		want   bool
	}{
		"tpm with an untrusted AK (warning)": {claimsWith("tpm", "warning", nil), false},
		"snp without reference values":       {claimsWith("snp", "contraindicated", nil), false},
		"affirming cpu, warning gpu":         {claimsWith("tdx", "affirming", gpuWarning), false},
		"no submodules":                      {map[string]any{"submods": map[string]any{}}, false},
		"sample even when affirming":         {claimsWith("sample", "affirming", nil), false},
	} {
		got, err := engine.Allow(context.Background(), DefaultResourcePolicy, tc.claims, data("resource"))
		if err != nil || got != tc.want {
			t.Errorf("%s: allow = %v, %v; want %v", name, got, err, tc.want)
		}
	}
}
