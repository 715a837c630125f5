package tdx

import (
	"errors"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// verifierConfig decodes a verifier_config table as the configuration
// loader hands it over: TOML decoded into a map.
func verifierConfig(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if _, err := toml.Decode(text, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOptionsFromConfig(t *testing.T) {
	opts, err := OptionsFromConfig(verifierConfig(t, `
[tpm_verifier]
trusted_ak_keys_dir = "/etc/keys"
[snp_verifier]
vcek_sources = [{ type = "KDS" }]
[dcap_verifier]
collateral_service = "https://pccs.example:8081/sgx/certification/v4/"
tcb_update_type = "standard"
root_ca_path = "/etc/trustee/intel-root.pem"
cache_max_age = 720
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Options{
		CollateralService: "https://pccs.example:8081/sgx/certification/v4/",
		TCBUpdateType:     "standard",
		RootCAPath:        "/etc/trustee/intel-root.pem",
		CacheMaxAge:       12 * time.Hour,
	}
	if opts.CollateralService != want.CollateralService || opts.TCBUpdateType != want.TCBUpdateType ||
		opts.RootCAPath != want.RootCAPath || opts.CacheMaxAge != want.CacheMaxAge {
		t.Errorf("options %+v, want %+v", opts, want)
	}

	offline, err := OptionsFromConfig(verifierConfig(t, "[dcap_verifier]\ncollateral_service = \"file:///var/lib/trustee/collateral\"\n"))
	if err != nil || offline.CollateralService != "file:///var/lib/trustee/collateral" || offline.RootCAPath != "" {
		t.Errorf("offline collateral: %+v, %v", offline, err)
	}
}

// Without the table, or without root_ca_path, the root is not configured:
// the caller decides what that means (the app leaves TDX unregistered).
func TestOptionsFromConfigWithoutRoot(t *testing.T) {
	for name, cfg := range map[string]map[string]any{
		"no verifier_config":   nil,
		"other verifiers only": {"snp_verifier": map[string]any{}},
		"empty table":          {ConfigKey: map[string]any{}},
	} {
		opts, err := OptionsFromConfig(cfg)
		if err != nil || opts.RootCAPath != "" || opts.Roots != nil {
			t.Errorf("%s: %+v, %v; want no root and no error", name, opts, err)
		}
	}
}

func TestOptionsFromConfigRefuses(t *testing.T) {
	for name, table := range map[string]any{
		"unknown key":           map[string]any{"root_ca": "/x.pem"},
		"misspelt key":          map[string]any{"collateral_services": "https://pcs"},
		"service not a URL":     map[string]any{"collateral_service": "pcs.example"},
		"ftp service":           map[string]any{"collateral_service": "ftp://pcs.example/"},
		"unknown update type":   map[string]any{"tcb_update_type": "late"},
		"path not a string":     map[string]any{"root_ca_path": 7},
		"max age not minutes":   map[string]any{"cache_max_age": "12h"},
		"max age negative":      map[string]any{"cache_max_age": -1},
		"max age beyond a year": map[string]any{"cache_max_age": 1 << 40},
		"table not an object":   "https://pcs",
	} {
		if _, err := OptionsFromConfig(map[string]any{ConfigKey: table}); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}
