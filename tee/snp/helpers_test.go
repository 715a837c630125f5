package snp_test

import (
	"os"
	"path/filepath"
	"testing"
)

// upstreamDir is ../shared/testdata/upstream beside the module root.
func upstreamDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata", "upstream")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// readUpstream reads an upstream test vector in place; missing data fails
// the test.
func readUpstream(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(upstreamDir(t), rel))
	if err != nil {
		t.Fatalf("upstream test data: %v", err)
	}
	return b
}

const (
	e2eEvidence    = "trustee/as/snp-evidence.json"
	milanReport    = "trustee/verifier/snp/test-report.bin"
	milanVCEK      = "trustee/verifier/snp/test-vcek.der"
	legacyHWIDVCEK = "trustee/verifier/snp/test-vcek-invalid-legacy.der"
	newHWIDVCEK    = "trustee/verifier/snp/test-vcek-invalid-new.der"
)
