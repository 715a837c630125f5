package kbs

import (
	"context"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
)

// The default policy means upstream HEAD's: any plugin-"resource" read by
// a TEE other than sample.
func TestDefaultResourcePolicyMeaning(t *testing.T) {
	engine := policy.NewEngine(discardLogger())
	claims := func(tee string) map[string]any {
		return map[string]any{"submods": map[string]any{"cpu0": map[string]any{
			"ear.veraison.annotated-evidence": map[string]any{tee: map[string]any{"svn": "1"}},
		}}}
	}
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
}
