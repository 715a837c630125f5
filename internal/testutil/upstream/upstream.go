// Package upstream locates the upstream conformance data that tests read in
// place from ../shared/testdata/upstream (relative to the module root). The
// data is never copied into this repository; a test whose data is missing
// fails rather than skips.
package upstream

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the upstream test-data directory, failing t when it is missing.
func Dir(t testing.TB) string {
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
			t.Fatal("upstream: go.mod not found above the working directory")
		}
		dir = parent
	}
	up := filepath.Join(dir, "..", "shared", "testdata", "upstream")
	if _, err := os.Stat(up); err != nil {
		t.Fatalf("upstream test data missing (expected next to the repository): %v", err)
	}
	return up
}

// Path joins rel (slash-separated, relative to the upstream directory) and
// fails t when the file does not exist.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("upstream test data missing: %v", err)
	}
	return p
}

// Read returns the contents of an upstream file, failing t on error.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
