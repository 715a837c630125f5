package tdx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ConfigKey is the member of attestation_service.verifier_config that
// configures this verifier, as upstream names it (its DCAP library
// verifies TDX and SGX quotes alike).
const ConfigKey = "dcap_verifier"

// RootCAPathKey is the full configuration key of the Intel SGX Root CA,
// for messages that tell the operator what to set.
const RootCAPathKey = "attestation_service.verifier_config." + ConfigKey + ".root_ca_path"

// maxCacheMinutes bounds cache_max_age: a year, far beyond any
// collateral's validity, and no overflow of time.Duration.
const maxCacheMinutes = 365 * 24 * 60

// ErrConfig means the dcap_verifier table is not valid.
var ErrConfig = errors.New("tdx verifier: invalid configuration")

// OptionsFromConfig reads the dcap_verifier table out of the
// verifier_config table, e.g. (TOML)
//
//	[attestation_service.verifier_config.dcap_verifier]
//	collateral_service = "https://pccs.example:8081/sgx/certification/v4/"
//	tcb_update_type = "standard"
//	root_ca_path = "/etc/trustee/Intel_SGX_Provisioning_Certification_RootCA.pem"
//	cache_max_age = 720  # minutes
//
// collateral_service and tcb_update_type are upstream's; root_ca_path and
// cache_max_age are Cocoon's: upstream's library embeds Intel's root,
// Cocoon reads it from a file the operator obtained from Intel. Other
// verifiers' members are left alone; unknown keys within dcap_verifier
// are errors. The file root_ca_path names is read by New, not here: an
// empty RootCAPath in the result means the root is not configured.
func OptionsFromConfig(verifierConfig map[string]any) (Options, error) {
	raw, ok := verifierConfig[ConfigKey]
	if !ok {
		return Options{}, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return Options{}, fmt.Errorf("%w: %s: %w", ErrConfig, ConfigKey, err)
	}
	var cfg struct {
		CollateralService string `json:"collateral_service"`
		TCBUpdateType     string `json:"tcb_update_type"`
		RootCAPath        string `json:"root_ca_path"`
		CacheMaxAge       *int64 `json:"cache_max_age"` // minutes, as every duration of the file
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Options{}, fmt.Errorf("%w: %s: %w", ErrConfig, ConfigKey, err)
	}
	opts := Options{CollateralService: cfg.CollateralService, TCBUpdateType: cfg.TCBUpdateType, RootCAPath: cfg.RootCAPath}
	if m := cfg.CacheMaxAge; m != nil {
		if *m <= 0 || *m > maxCacheMinutes {
			return Options{}, fmt.Errorf("%w: %s.cache_max_age = %d: want minutes between 1 and %d", ErrConfig, ConfigKey, *m, maxCacheMinutes)
		}
		opts.CacheMaxAge = time.Duration(*m) * time.Minute
	}
	if _, err := collateralSource(opts); err != nil {
		return Options{}, fmt.Errorf("%w: %s: %w", ErrConfig, ConfigKey, err)
	}
	return opts, nil
}
