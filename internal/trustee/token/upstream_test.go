package token

import (
	"os"
	"path/filepath"
	"testing"
)

// upstreamTestdata returns a file of the shared upstream test vectors,
// found next to the repository root; missing data fails the test.
func upstreamTestdata(t testing.TB, rel string) string {
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
	path := filepath.Join(dir, "..", "shared", "testdata", "upstream", rel)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("upstream test data missing: %v", err)
	}
	return path
}

func readUpstream(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(upstreamTestdata(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
