package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// upstreamDir returns ../shared/testdata/upstream relative to the module
// root (the directory holding go.mod), failing the test if it is missing.
func upstreamDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
	up := filepath.Join(dir, "..", "shared", "testdata", "upstream")
	if _, err := os.Stat(up); err != nil {
		t.Fatalf("upstream test data missing: %v", err)
	}
	return up
}

// upstreamPolicy reads trustee/policies/<rel> in place.
func upstreamPolicy(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(upstreamDir(t), "trustee", "policies", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
