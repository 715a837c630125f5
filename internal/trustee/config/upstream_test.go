package config

import (
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// Every upstream configuration must decode (no unknown keys, no type
// errors); what Cocoon does not implement must be reported as unsupported
// (or, for a broken upstream sample, invalid) under the right key.
func TestUpstreamConfigs(t *testing.T) {
	up := upstream.Dir(t)
	grpcUnsupported := map[string]string{"attestation_service.type": "unsupported"}
	cases := map[string]map[string]string{
		"trustee/kbs/configs/coco-as-builtin-1.toml": {
			"attestation_service.rvps_config.type": "unsupported", // GrpcRemote
			"storage_backend.storage_type":         "unsupported", // local_json
			// insecure_http = false without key and certificate: HTTPS cannot start.
			"http_server.private_key": "invalid",
			"http_server.certificate": "invalid",
		},
		"trustee/kbs/configs/coco-as-builtin-2.toml": {},
		"trustee/kbs/configs/coco-as-builtin-3.toml": {
			"storage_backend.storage_type": "unsupported", // LocalJson
			// Upstream's Admin::new rejects an empty bearer_jwt the same way.
			"admin.authentication.bearer_jwt.identity_providers": "invalid",
		},
		"trustee/kbs/configs/coco-as-grpc-1.toml": {
			"attestation_service.type":     "unsupported",
			"storage_backend.storage_type": "unsupported",
		},
		"trustee/kbs/configs/coco-as-grpc-2.toml": {
			"attestation_service.type":     "unsupported",
			"storage_backend.storage_type": "unsupported",
		},
		"trustee/kbs/configs/coco-as-grpc-3.toml":           grpcUnsupported,
		"trustee/kbs/configs/e2e-kbs.toml":                  {},
		"trustee/kbs/configs/kbs-config.toml":               {},
		"trustee/kbs/configs/tls-profile-custom.toml":       grpcUnsupported,
		"trustee/kbs/configs/tls-profile-intermediate.toml": grpcUnsupported,
		"trustee/kbs/configs/tls-profile-modern.toml":       grpcUnsupported,
		"trustee/kbs/configs/tls-profile-old.toml":          grpcUnsupported,
		"guest-components/kbs_protocol/kbs-config.toml":     {},
	}
	files, err := filepath.Glob(filepath.Join(up, "trustee/kbs/configs/*.toml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no upstream configs found: %v", err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(up, f)
		if _, ok := cases[rel]; !ok {
			t.Errorf("upstream config %s has no expected outcome in this test", rel)
		}
	}
	for rel, want := range cases {
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(up, rel))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(data)
			got := keyErrors(t, err)
			if !maps.Equal(got, want) {
				t.Fatalf("problems = %v\nwant %v\nerror: %v", got, want, err)
			}
			if len(want) == 0 && cfg == nil {
				t.Fatal("valid config returned nil")
			}
		})
	}
}

func TestUpstreamE2EConfigValues(t *testing.T) {
	cfg, err := Load(upstream.Path(t, "trustee/kbs/configs/e2e-kbs.toml"))
	if err != nil {
		t.Fatal(err)
	}
	broker := cfg.AttestationService.TokenBroker
	if broker.Signer == nil || broker.Signer.KeyPath != "./work/token.key" || broker.Signer.CertPath != "./work/token-cert-chain.pem" {
		t.Errorf("signer = %+v", broker.Signer)
	}
	if broker.IssuerName != DefaultIssuerName || !broker.VerboseToken || broker.DurationMin != 5 {
		t.Errorf("token broker defaults not applied: %+v", broker)
	}
	tpm, ok := cfg.AttestationService.VerifierConfig["tpm_verifier"].(map[string]any)
	if !ok || tpm["trusted_ak_keys_dir"] != "./work/attestation-service/tpm_trusted_keys" || tpm["max_trusted_ak_keys"] != int64(100) {
		t.Errorf("verifier_config = %#v", cfg.AttestationService.VerifierConfig)
	}
	if cfg.StorageBackend.StorageType != StorageLocalFs || cfg.StorageBackend.Backends.LocalFs.DirPath != "./work/storage" {
		t.Errorf("storage = %+v", cfg.StorageBackend)
	}
	if cfg.SessionStorage() != StorageLocalFs || cfg.ASStorage() != StorageLocalFs || cfg.RVPSStorage() != StorageLocalFs {
		t.Errorf("inherited storage types: %s %s %s", cfg.SessionStorage(), cfg.ASStorage(), cfg.RVPSStorage())
	}
	if cfg.Admin.Mode() != AdminAuthenticatedAuthorization {
		t.Fatalf("admin mode = %s", cfg.Admin.Mode())
	}
	idps := cfg.Admin.Authentication.BearerJWT.IdentityProviders
	if len(idps) != 1 || idps[0] != (IdentityProvider{Issuer: "issuer", Audience: "kbs", PublicKeyURI: "./work/kbs.pem"}) {
		t.Errorf("identity providers = %+v", idps)
	}
	acls := cfg.Admin.Authorization.RegexACL.ACLs
	if len(acls) != 1 || acls[0] != (ACL{Role: "admin", AllowedEndpoints: "^/kbs/.+$"}) {
		t.Errorf("acls = %+v", acls)
	}
	if len(cfg.Plugins) != 1 || cfg.Plugins[0] != (Plugin{Name: PluginResource, StorageBackendType: ResourceKVStorage}) {
		t.Errorf("plugins = %+v", cfg.Plugins)
	}
	if len(cfg.HTTPServer.Sockets) != 1 || cfg.HTTPServer.Sockets[0] != "127.0.0.1:8080" || cfg.HTTPServer.InsecureHTTP {
		t.Errorf("http_server = %+v", cfg.HTTPServer)
	}
}

// guest-components' e2e config still uses legacy attestation_service keys:
// they are accepted, applied, and each produces a deprecation warning.
func TestGuestComponentsLegacyConfig(t *testing.T) {
	cfg, err := Load(upstream.Path(t, "guest-components/kbs_protocol/kbs-config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(cfg.Warnings, "attestation_service.work_dir is deprecated") ||
		!hasWarning(cfg.Warnings, "attestation_service.attestation_token_config is deprecated") {
		t.Errorf("missing deprecation warnings: %q", cfg.Warnings)
	}
	if !hasWarning(cfg.Warnings, "insecure_header_jwk") || !hasWarning(cfg.Warnings, "InsecureAllowAll") ||
		!hasWarning(cfg.Warnings, "0.0.0.0:8085") {
		t.Errorf("missing risk warnings: %q", cfg.Warnings)
	}
	broker := cfg.AttestationService.TokenBroker
	if broker.Type != "Ear" || broker.DurationMin != 5 || broker.IssuerName != DefaultIssuerName {
		t.Errorf("attestation_token_config not folded into the broker: %+v", broker)
	}
	if cfg.StorageBackend.StorageType != StorageLocalFs || cfg.StorageBackend.Backends.LocalFs.DirPath != "/opt/confidential-containers/trustee" {
		t.Errorf("storage = %+v", cfg.StorageBackend)
	}
}
