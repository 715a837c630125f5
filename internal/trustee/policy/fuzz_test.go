package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// FuzzCheck feeds arbitrary module text to Check: it must refuse or accept,
// never panic.
func FuzzCheck(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(upstream.Dir(f), "trustee", "policies", "*", "*.rego"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no upstream policies: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), false)
	}
	f.Add("package policy\nallow {", true)
	f.Add("package policy\nimport rego.v1\ntrust_claims := {\"hardware\": 300}\n", false)
	f.Add("package policy\nextensions := [{\"name\": 1}]\n", false)
	f.Add("package policy\nallow := query_reference_value(\"x\")\n", true)
	f.Add("", false)
	f.Add("\x00\xff", true)

	e := NewEngine(nil)
	f.Fuzz(func(t *testing.T, module string, resource bool) {
		kind := KindAppraisal
		if resource {
			kind = KindResource
		}
		// Bound a generated policy that loops for long.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = e.Check(ctx, module, kind)
	})
}
