package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func TestCheckUpstreamPolicies(t *testing.T) {
	kinds := map[string]Kind{
		"as":       KindAppraisal,
		"as-tests": KindAppraisal,
		"engine":   KindResource,
		"kbs":      KindResource,
	}
	e := NewEngine(nil)
	total := 0
	for dir, kind := range kinds {
		files, err := filepath.Glob(filepath.Join(upstream.Dir(t), "trustee", "policies", dir, "*.rego"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no policies in %s", dir)
		}
		for _, file := range files {
			total++
			t.Run(dir+"/"+filepath.Base(file), func(t *testing.T) {
				module, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Check(context.Background(), string(module), kind); err != nil {
					t.Fatalf("Check(%v): %v", kind, err)
				}
			})
		}
	}
	if total < 19 {
		t.Fatalf("checked %d upstream policies, want at least 19", total)
	}
}
