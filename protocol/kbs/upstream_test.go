package kbs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// upstreamTestdata returns a file of the shared upstream test data, read in
// place next to the repository (never copied into it). Missing data fails.
func upstreamTestdata(t *testing.T, rel string) []byte {
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
		t.Fatalf("upstream test data: %v", err)
	}
	return data
}

// The tee_key_algorithm of guest-components' example aa config is a name
// GenerateTeeKeyPair accepts, and it yields the default P-256 key.
func TestUpstreamAAConfigKeyAlgorithm(t *testing.T) {
	var config struct {
		TokenConfigs struct {
			KBS struct {
				TeeKeyAlgorithm string `json:"tee_key_algorithm"`
			} `json:"kbs"`
		} `json:"token_configs"`
	}
	if err := json.Unmarshal(upstreamTestdata(t, "guest-components/aa/config.example.json"), &config); err != nil {
		t.Fatal(err)
	}
	alg := config.TokenConfigs.KBS.TeeKeyAlgorithm
	if alg == "" {
		t.Fatal("example config has no tee_key_algorithm")
	}
	k, err := GenerateTeeKeyPair(alg)
	if err != nil {
		t.Fatalf("GenerateTeeKeyPair(%q): %v", alg, err)
	}
	if pub := k.PublicKey(); pub.Crv != "P-256" || pub.Alg != AlgECDHESA256KW {
		t.Errorf("key for %q = %+v, want P-256 ECDH-ES+A256KW", alg, pub)
	}
}
