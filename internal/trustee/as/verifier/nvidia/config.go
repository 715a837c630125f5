package nvidia

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ConfigKey is the member of attestation_service.verifier_config that
// configures this verifier, as upstream names it.
const ConfigKey = "nvidia_verifier"

// RootCAPathKey is the full configuration key of NVIDIA's device identity
// root, for messages that tell the operator what to set.
const RootCAPathKey = "attestation_service.verifier_config." + ConfigKey + ".root_ca_path"

// TypeLocal is upstream's local verifier type, the only one implemented.
const TypeLocal = "Local"

// ErrConfig means the nvidia_verifier table is not valid.
var ErrConfig = errors.New("nvidia verifier: invalid configuration")

// OptionsFromConfig reads the nvidia_verifier table out of the
// verifier_config table, e.g. (TOML)
//
//	[attestation_service.verifier_config.nvidia_verifier]
//	type = "Local"
//	root_ca_path = "/etc/trustee/nvidia_device_root.pem"
//	ocsp = true
//	ocsp_url = "https://ocsp.ndis.nvidia.com/"
//	ocsp_timeout = "10s"
//
// type is upstream's ("Local" or "local"; upstream's "Remote", NVIDIA's
// NRAS service, is refused as not implemented, and with it verifier_url).
// The others are Cocoon's: upstream embeds NVIDIA's root and never checks
// OCSP locally; Cocoon reads the root from a file the operator obtained
// from NVIDIA and checks OCSP when ocsp is true (default false). The file
// is read by New, not here: an empty RootCAPath means the root is not
// configured. Other verifiers' members are left alone; unknown keys
// within nvidia_verifier are errors.
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
		Type        string  `json:"type"`
		VerifierURL *string `json:"verifier_url"`
		RootCAPath  string  `json:"root_ca_path"`
		OCSP        bool    `json:"ocsp"`
		OCSPURL     string  `json:"ocsp_url"`
		OCSPTimeout string  `json:"ocsp_timeout"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Options{}, fmt.Errorf("%w: %s: %w", ErrConfig, ConfigKey, err)
	}
	switch cfg.Type {
	case "", TypeLocal, "local":
	case "Remote", "remote":
		return Options{}, fmt.Errorf("%w: %s.type %q: remote verification by NVIDIA's NRAS is not implemented; use %q", ErrConfig, ConfigKey, cfg.Type, TypeLocal)
	default:
		return Options{}, fmt.Errorf("%w: %s.type %q: want %q", ErrConfig, ConfigKey, cfg.Type, TypeLocal)
	}
	if cfg.VerifierURL != nil {
		return Options{}, fmt.Errorf("%w: %s.verifier_url applies to the remote verifier, which is not implemented", ErrConfig, ConfigKey)
	}
	if !cfg.OCSP && (cfg.OCSPURL != "" || cfg.OCSPTimeout != "") {
		return Options{}, fmt.Errorf("%w: %s: ocsp_url and ocsp_timeout need ocsp = true", ErrConfig, ConfigKey)
	}
	opts := Options{RootCAPath: cfg.RootCAPath, OCSP: cfg.OCSP, OCSPURL: cfg.OCSPURL}
	if cfg.OCSPTimeout != "" {
		if opts.OCSPTimeout, err = time.ParseDuration(cfg.OCSPTimeout); err != nil || opts.OCSPTimeout <= 0 {
			return Options{}, fmt.Errorf("%w: %s.ocsp_timeout %q: want a positive duration such as \"10s\"", ErrConfig, ConfigKey, cfg.OCSPTimeout)
		}
	}
	return opts, nil
}
