package kbs

import (
	"encoding/json"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

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
	if err := json.Unmarshal(upstream.Read(t, "guest-components/aa/config.example.json"), &config); err != nil {
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
