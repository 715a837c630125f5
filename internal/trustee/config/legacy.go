package config

import (
	"fmt"

	"github.com/BurntSushi/toml"
)

// legacy is the schema of keys older upstream versions used that Cocoon
// still reads. Parse decodes the file a second time into it; a key is
// unknown only if neither schema took it.
type legacy struct {
	AttestationToken struct {
		// v0.16 name of insecure_header_jwk.
		InsecureKey bool `toml:"insecure_key"`
	} `toml:"attestation_token"`
	AttestationService struct {
		// v0.16 builtin AS state directory; state now lives in [storage_backend].
		WorkDir string `toml:"work_dir"`
		// v0.16 AS policy engine; "opa" was the only one.
		PolicyEngine string `toml:"policy_engine"`
		// Older name of attestation_token_broker (guest-components' e2e config still uses it).
		AttestationTokenConfig TokenBroker `toml:"attestation_token_config"`
	} `toml:"attestation_service"`
}

func newLegacy() *legacy {
	l := &legacy{}
	l.AttestationService.AttestationTokenConfig = defaultTokenBroker()
	return l
}

// apply folds the legacy keys present in the file into cfg and returns a
// deprecation warning for each. Conflicts with the current keys are problems.
func (l *legacy) apply(p *problems, cfg *Config, current, old toml.MetaData) (warnings []string) {
	deprecated := func(oldKey, message string) {
		warnings = append(warnings, fmt.Sprintf("%s is deprecated: %s", oldKey, message))
	}

	if old.IsDefined("attestation_token", "insecure_key") {
		if current.IsDefined("attestation_token", "insecure_header_jwk") {
			p.invalid("attestation_token.insecure_key", "set only insecure_header_jwk (insecure_key is its v0.16 name)")
		} else {
			cfg.AttestationToken.InsecureHeaderJWK = l.AttestationToken.InsecureKey
			deprecated("attestation_token.insecure_key", "renamed insecure_header_jwk")
		}
	}

	as := l.AttestationService
	if old.IsDefined("attestation_service", "work_dir") {
		deprecated("attestation_service.work_dir", "ignored; the attestation service keeps its state in [storage_backend]")
	}
	if old.IsDefined("attestation_service", "policy_engine") {
		if as.PolicyEngine != "opa" {
			p.invalid("attestation_service.policy_engine", "%q: only \"opa\" existed, and it is the only engine", as.PolicyEngine)
		} else {
			deprecated("attestation_service.policy_engine", "ignored; OPA is the only policy engine")
		}
	}
	if old.IsDefined("attestation_service", "attestation_token_config") {
		if current.IsDefined("attestation_service", "attestation_token_broker") {
			p.invalid("attestation_service.attestation_token_config",
				"set only attestation_token_broker (attestation_token_config is its old name)")
		} else {
			cfg.AttestationService.TokenBroker = as.AttestationTokenConfig
			deprecated("attestation_service.attestation_token_config", "renamed attestation_token_broker")
		}
	}
	return warnings
}
