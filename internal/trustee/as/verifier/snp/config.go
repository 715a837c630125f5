package snp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/tee/snp"
)

// ConfigKey is the member of attestation_service.verifier_config that
// configures this verifier, as upstream names it.
const ConfigKey = "snp_verifier"

// VCEK source types, as upstream names them.
const (
	SourceKDS          = "KDS"
	SourceOfflineStore = "OfflineStore"
)

// VCEKSource is one entry of upstream's vcek_sources.
type VCEKSource struct {
	// Type is SourceKDS or SourceOfflineStore.
	Type string `json:"type"`
	// BaseURL is the KDS address (KDS only); "" means AMD's.
	BaseURL string `json:"base_url,omitempty"`
	// Path is the store directory (OfflineStore only); "" means
	// snp.DefaultOfflineStoreDir.
	Path string `json:"path,omitempty"`
}

// ErrConfig means the snp_verifier table is not upstream's shape.
var ErrConfig = errors.New("snp verifier: invalid configuration")

// OptionsFromConfig reads upstream's snp_verifier table out of the
// verifier_config table, e.g. (TOML)
//
//	[attestation_service.verifier_config.snp_verifier]
//	vcek_sources = [{ type = "OfflineStore", path = "/var/kds" }, { type = "KDS" }]
//
// Other verifiers' members are left alone; unknown keys within
// snp_verifier are errors. Without the table, the options are upstream's
// defaults.
func OptionsFromConfig(verifierConfig map[string]any) (Options, error) {
	raw, ok := verifierConfig[ConfigKey]
	if !ok {
		return Options{}, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return Options{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	var cfg struct {
		VCEKSources *[]VCEKSource `json:"vcek_sources"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Options{}, fmt.Errorf("%w: %s: %w", ErrConfig, ConfigKey, err)
	}
	var opts Options
	if cfg.VCEKSources != nil {
		opts.VCEKSources = append([]VCEKSource{}, *cfg.VCEKSources...)
	}
	if _, err := buildSources(opts); err != nil {
		return Options{}, err
	}
	return opts, nil
}

// buildSources turns the configured sources into tee/snp ones.
func buildSources(opts Options) ([]snp.VCEKSource, error) {
	configured := opts.VCEKSources
	if configured == nil {
		configured = []VCEKSource{{Type: SourceKDS}}
	}
	sources := make([]snp.VCEKSource, 0, len(configured))
	for i, c := range configured {
		switch {
		case c.Type == SourceKDS && c.Path == "":
			sources = append(sources, snp.NewKDS(snp.KDSOptions{
				BaseURL: c.BaseURL, Client: opts.HTTPClient, Timeout: opts.KDSTimeout, Logger: opts.Logger,
			}))
		case c.Type == SourceOfflineStore && c.BaseURL == "":
			dir := c.Path
			if dir == "" {
				dir = snp.DefaultOfflineStoreDir
			}
			sources = append(sources, snp.OfflineStore{Dir: dir})
		default:
			return nil, fmt.Errorf("%w: vcek_sources[%d]: type %q with base_url %q and path %q", ErrConfig, i, c.Type, c.BaseURL, c.Path)
		}
	}
	return sources, nil
}
