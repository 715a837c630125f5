package config

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// opaqueTables are decoded as generic maps: their sub-keys belong to
// another component (the TEE verifiers), which validates them.
var opaqueTables = []string{"attestation_service.verifier_config"}

// removedKeyHints explain keys older upstream versions had and Cocoon
// rejects because ignoring them would silently change behaviour.
var removedKeyHints = map[string]string{
	"policy_engine": "upstream v0.16 resource policy file; Cocoon keeps the resource policy in storage: " +
		"upload it with POST /kbs/v0/resource-policy (kbs-client config set-resource-policy)",
	"attestation_service.attestation_token_broker.policy_dir": "upstream v0.16 AS policy directory; " +
		"upload attestation policies with POST /kbs/v0/attestation-policy",
	"attestation_service.rvps_config.storage": "upstream v0.16 RVPS store; " +
		"use attestation_service.rvps_config.storage_type and [storage_backend]",
}

// Parse decodes a TOML configuration strictly, applies defaults, folds
// accepted legacy spellings in (with a warning each) and validates. Every
// problem is reported at once, each naming its key.
func Parse(data []byte) (*Config, error) {
	cfg := defaults()
	md, err := toml.Decode(string(data), cfg)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	old := newLegacy()
	oldMD, err := toml.Decode(string(data), old)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}

	var p problems
	reportUnknownKeys(&p, md, oldMD)
	cfg.Warnings = old.apply(&p, cfg, md, oldMD)
	cfg.normalize()
	cfg.validate(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	cfg.Warnings = append(cfg.Warnings, cfg.riskWarnings(md.IsDefined("admin"))...)
	return cfg, nil
}

// reportUnknownKeys flags keys neither the current nor the legacy schema decoded.
func reportUnknownKeys(p *problems, current, legacy toml.MetaData) {
	legacyLeft := make(map[string]bool)
	for _, k := range legacy.Undecoded() {
		legacyLeft[k.String()] = true
	}
	var unknown []string
	for _, k := range current.Undecoded() {
		if key := k.String(); legacyLeft[key] && !inOpaqueTable(key) {
			unknown = append(unknown, key)
		}
	}
	for _, key := range unknown {
		if hasChildIn(key, unknown) {
			continue // name the leaves, not every table on the way
		}
		if hint := removedKeyHint(key); hint != "" {
			p.add(key, ErrUnknownKey, "%s", hint)
			continue
		}
		p.add(key, ErrUnknownKey, "not a Trustee configuration key (see docs/configuration.md)")
	}
}

func hasChildIn(table string, keys []string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, table+".") {
			return true
		}
	}
	return false
}

func inOpaqueTable(key string) bool {
	for _, t := range opaqueTables {
		if strings.HasPrefix(key, t+".") {
			return true
		}
	}
	return false
}

func removedKeyHint(key string) string {
	for prefix, hint := range removedKeyHints {
		if key == prefix || strings.HasPrefix(key, prefix+".") {
			return hint
		}
	}
	return ""
}

// riskWarnings name settings that are legal but weaken security or make
// the admin API unusable.
func (c *Config) riskWarnings(adminDefined bool) []string {
	var w []string
	if exposed := c.HTTPServer.exposedInsecurely(); len(exposed) > 0 {
		w = append(w, fmt.Sprintf("http_server.insecure_http serves plain HTTP on non-loopback sockets %v; "+
			"use only behind a TLS-terminating proxy", exposed))
	}
	if c.AttestationToken.InsecureHeaderJWK {
		w = append(w, "attestation_token.insecure_header_jwk = true trusts any key a token carries; testing only")
	}
	if !adminDefined {
		w = append(w, "no [admin] section (upstream HEAD requires one); using v0.16's default, Simple with no personas")
	}
	switch c.Admin.Mode() {
	case AdminInsecureAllowAll:
		w = append(w, "admin authorization is InsecureAllowAll: anyone who reaches the server can change resources and policies")
	case AdminSimple:
		if len(c.Admin.Personas) == 0 {
			w = append(w, "admin: no personas configured, every admin request will be denied")
		}
	case AdminAuthenticatedAuthorization:
		if c.Admin.Authorization != nil && c.Admin.Authorization.RegexACL != nil && len(c.Admin.Authorization.RegexACL.ACLs) == 0 {
			w = append(w, "admin.authorization.regex_acl has no acls, every admin request will be denied")
		}
	}
	return w
}
