package config

import (
	"fmt"
	"time"
)

// AttestationToken is [attestation_token]: how the KBS verifies attestation
// tokens presented with resource requests.
type AttestationToken struct {
	TrustedJWKSets    []string `toml:"trusted_jwk_sets"`    // file:// or path (https:// upstream)
	TrustedCertsPaths []string `toml:"trusted_certs_paths"` // PEM roots for the header jwk's x5c
	ExtraTEEKeyPaths  []string `toml:"extra_teekey_paths"`  // JSON pointers to more TEE keys in the claims
	// InsecureHeaderJWK trusts the key in the token header without checking
	// who endorsed it. Testing only. v0.16 name: insecure_key.
	InsecureHeaderJWK bool `toml:"insecure_header_jwk"`
}

// ASType is attestation_service.type.
type ASType string

// Attestation service kinds, canonical spelling (upstream's serde aliases).
const (
	ASBuiltin ASType = "coco_as_builtin"
	ASGRPC    ASType = "coco_as_grpc"
	ASIntelTA ASType = "intel_ta"
)

var asAliases = map[string]ASType{
	"CoCoASBuiltIn": ASBuiltin,
	"CoCoASGrpc":    ASGRPC,
	"IntelTA":       ASIntelTA,
}

// Defaults of [attestation_service], as upstream.
const (
	DefaultASTimeoutMinutes = 5
	DefaultTokenMinutes     = 5
	DefaultIssuerName       = "CoCo-Attestation-Service"
	DefaultDeveloperName    = "https://confidentialcontainers.org"
	// DefaultBuildName is upstream's value, kept so our EAR tokens read like upstream's.
	DefaultBuildName   = "attestation-service 0.1.0"
	DefaultProfileName = "tag:github.com,2024:confidential-containers/Trustee"
	tokenTypeEAR       = "Ear"
)

// AttestationService is [attestation_service]. Upstream tags it by type; the
// fields after Timeout belong to coco_as_builtin, the later groups to the
// remote kinds Cocoon parses but does not implement yet.
type AttestationService struct {
	Type ASType `toml:"type"`
	// Timeout is the RCAR session lifetime in minutes.
	Timeout int64 `toml:"timeout"`

	// coco_as_builtin
	StorageType    StorageType    `toml:"storage_type"` // "" = storage_backend's
	TokenBroker    TokenBroker    `toml:"attestation_token_broker"`
	RVPS           RVPS           `toml:"rvps_config"`
	VerifierConfig map[string]any `toml:"verifier_config"` // per-TEE settings, read by the verifiers

	// coco_as_grpc
	ASAddr   string `toml:"as_addr"`
	PoolSize uint64 `toml:"pool_size"`

	// intel_ta
	BaseURL              string   `toml:"base_url"`
	APIKey               Secret   `toml:"api_key"`
	CertsFile            string   `toml:"certs_file"`
	PolicyIDs            []string `toml:"policy_ids"`
	AllowUnmatchedPolicy *bool    `toml:"allow_unmatched_policy"`
}

// SessionTimeout is how long an RCAR session lives.
func (a AttestationService) SessionTimeout() time.Duration {
	return time.Duration(a.Timeout) * time.Minute
}

// TokenBroker is [attestation_service.attestation_token_broker]: the EAR token issuer.
type TokenBroker struct {
	Type          string       `toml:"type"` // older upstream tag; only "Ear" (the default)
	DurationMin   int64        `toml:"duration_min"`
	IssuerName    string       `toml:"issuer_name"`
	DeveloperName string       `toml:"developer_name"`
	BuildName     string       `toml:"build_name"`
	ProfileName   string       `toml:"profile_name"`
	VerboseToken  bool         `toml:"verbose_token"`
	Signer        *TokenSigner `toml:"signer"` // nil: ephemeral key
}

// Lifetime is how long an issued token is valid.
func (t TokenBroker) Lifetime() time.Duration {
	return time.Duration(t.DurationMin) * time.Minute
}

// TokenSigner is [attestation_service.attestation_token_broker.signer].
type TokenSigner struct {
	KeyPath  string `toml:"key_path"`  // EC P-256 private key, PEM
	CertPath string `toml:"cert_path"` // PEM chain → header jwk.x5c
	CertURL  string `toml:"cert_url"`  // → header jwk.x5u
}

// RVPSType is attestation_service.rvps_config.type.
type RVPSType string

// Reference value provider kinds.
const (
	RVPSBuiltIn    RVPSType = "BuiltIn"
	RVPSGrpcRemote RVPSType = "GrpcRemote"
)

// RVPS is [attestation_service.rvps_config].
type RVPS struct {
	Type        RVPSType    `toml:"type"`
	StorageType StorageType `toml:"storage_type"` // BuiltIn; "" = storage_backend's
	Extractors  *Extractors `toml:"extractors"`   // BuiltIn
	Address     string      `toml:"address"`      // GrpcRemote
}

// Extractors is [attestation_service.rvps_config.extractors]; the sample
// extractor is always on.
type Extractors struct {
	SwidExtractor *SwidExtractor `toml:"swid_extractor"`
}

// SwidExtractor has no settings upstream; its presence is the setting.
type SwidExtractor struct{}

func defaultAttestationService() AttestationService {
	return AttestationService{
		Type:        ASBuiltin,
		Timeout:     DefaultASTimeoutMinutes,
		TokenBroker: defaultTokenBroker(),
		RVPS:        RVPS{Type: RVPSBuiltIn},
	}
}

func defaultTokenBroker() TokenBroker {
	return TokenBroker{
		Type:          tokenTypeEAR,
		DurationMin:   DefaultTokenMinutes,
		IssuerName:    DefaultIssuerName,
		DeveloperName: DefaultDeveloperName,
		BuildName:     DefaultBuildName,
		ProfileName:   DefaultProfileName,
		VerboseToken:  true,
	}
}

func (a *AttestationService) normalize() {
	if c, ok := asAliases[string(a.Type)]; ok {
		a.Type = c
	}
	a.StorageType = a.StorageType.canonical()
	a.RVPS.StorageType = a.RVPS.StorageType.canonical()
}

func (a AttestationService) validate(p *problems) {
	const key = "attestation_service"
	switch a.Type {
	case ASBuiltin:
	case ASGRPC, ASIntelTA:
		p.unsupported(key+".type", "%q (supported: %q)", a.Type, ASBuiltin)
	default:
		p.invalid(key+".type", "unknown attestation service %q (supported: %q)", a.Type, ASBuiltin)
	}
	if a.Timeout <= 0 {
		p.invalid(key+".timeout", "must be a positive number of minutes")
	}
	a.validateForeignKeys(p)
	checkStorageType(p, key+".storage_type", a.StorageType, true)
	a.TokenBroker.validate(p, key+".attestation_token_broker")
	a.RVPS.validate(p, key+".rvps_config")
}

// validateForeignKeys rejects settings of another attestation service kind,
// which upstream's tagged enum would refuse too.
func (a AttestationService) validateForeignKeys(p *problems) {
	set := func(key string, isSet bool, owner ASType) {
		if isSet && a.Type != owner {
			p.invalid("attestation_service."+key, "only valid with type = %q", owner)
		}
	}
	set("as_addr", a.ASAddr != "", ASGRPC)
	set("pool_size", a.PoolSize != 0, ASGRPC)
	set("base_url", a.BaseURL != "", ASIntelTA)
	set("api_key", a.APIKey != "", ASIntelTA)
	set("certs_file", a.CertsFile != "", ASIntelTA)
	set("policy_ids", len(a.PolicyIDs) > 0, ASIntelTA)
	set("allow_unmatched_policy", a.AllowUnmatchedPolicy != nil, ASIntelTA)
}

func (t TokenBroker) validate(p *problems, key string) {
	switch t.Type {
	case tokenTypeEAR, "":
	case "Simple":
		p.unsupported(key+".type", "the RS384 \"Simple\" token was removed upstream after v0.15; use \"Ear\"")
	default:
		p.invalid(key+".type", "unknown token type %q (supported: %q)", t.Type, tokenTypeEAR)
	}
	if t.DurationMin <= 0 {
		p.invalid(key+".duration_min", "must be a positive number of minutes")
	}
	if t.Signer != nil && t.Signer.KeyPath == "" {
		p.invalid(key+".signer.key_path", "required when the signer table is present")
	}
}

func (r RVPS) validate(p *problems, key string) {
	switch r.Type {
	case RVPSBuiltIn:
		if r.Address != "" {
			p.invalid(key+".address", "only valid with type = %q", RVPSGrpcRemote)
		}
		checkStorageType(p, key+".storage_type", r.StorageType, true)
	case RVPSGrpcRemote:
		p.unsupported(key+".type", "%q (supported: %q)", r.Type, RVPSBuiltIn)
		if r.StorageType != "" || r.Extractors != nil {
			p.invalid(key, "storage_type and extractors are only valid with type = %q", RVPSBuiltIn)
		}
	default:
		p.invalid(key+".type", "unknown reference value provider %q (supported: %q)", r.Type, RVPSBuiltIn)
	}
}

func (a AttestationToken) validate(p *problems) {
	for i, uri := range a.TrustedJWKSets {
		if uri == "" {
			p.invalid(fmt.Sprintf("attestation_token.trusted_jwk_sets[%d]", i), "must not be empty")
		}
	}
	for i, path := range a.TrustedCertsPaths {
		if path == "" {
			p.invalid(fmt.Sprintf("attestation_token.trusted_certs_paths[%d]", i), "must not be empty")
		}
	}
}
