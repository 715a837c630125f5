package initdata

import (
	"os"
	"path/filepath"
	"testing"
)

// readUpstream reads a file of the shared upstream test vectors, found next
// to the repository root; missing data fails the test.
func readUpstream(t testing.TB, rel string) []byte {
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
	data, err := os.ReadFile(filepath.Join(dir, "..", "shared", "testdata", "upstream", rel))
	if err != nil {
		t.Fatalf("upstream test data missing: %v", err)
	}
	return data
}
