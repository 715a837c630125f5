package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// plainHTTP makes a snippet valid on its own as far as [http_server] goes.
const plainHTTP = "[http_server]\ninsecure_http = true\n"

func TestParseProblems(t *testing.T) {
	cases := []struct {
		name string
		toml string
		want map[string]string
	}{
		{"unknown key names its dotted path", "[http_server]\nsocket = '1.2.3.4:1'\ninsecure_http = true\n",
			map[string]string{"http_server.socket": "unknown"}},
		{"unknown top-level key", "colour = 'blue'\n" + plainHTTP, map[string]string{"colour": "unknown"}},
		{"unknown key in an inline table of an array", plainHTTP + `[admin]
authorization_mode = "AuthenticatedAuthorization"
[admin.authentication.bearer_jwt]
identity_providers = [{ issuer = "i", public_key_uri = "k.pem", colour = "x" }]
[admin.authorization.regex_acl]
`, map[string]string{"admin.authentication.bearer_jwt.identity_providers.colour": "unknown"}},
		{"unknown table reports its leaves", plainHTTP + "[policy_engine]\npolicy_path = '/p.rego'\n",
			map[string]string{"policy_engine.policy_path": "unknown"}},
		{"v0.16 AS policy_dir is rejected with a hint", plainHTTP + "[attestation_service.attestation_token_broker]\npolicy_dir = '/x'\n",
			map[string]string{"attestation_service.attestation_token_broker.policy_dir": "unknown"}},
		{"verifier_config is opaque", plainHTTP + "[attestation_service.verifier_config.snp_verifier]\nanything = { goes = 1 }\n", nil},
		{"HTTPS needs key and certificate", "[http_server]\n",
			map[string]string{"http_server.private_key": "invalid", "http_server.certificate": "invalid"}},
		{"HTTPS with key and certificate", "[http_server]\nprivate_key = 'k'\ncertificate = 'c'\n", nil},
		{"socket must be IP:port", "[http_server]\ninsecure_http = true\nsockets = ['localhost:8080', '[::1]:8080', '10.0.0.1']\n",
			map[string]string{"http_server.sockets[0]": "invalid", "http_server.sockets[2]": "invalid"}},
		{"no sockets", "[http_server]\ninsecure_http = true\nsockets = []\n", map[string]string{"http_server.sockets": "invalid"}},
		{"payload size zero", plainHTTP + "payload_request_size = 0\n", map[string]string{"http_server.payload_request_size": "invalid"}},
		{"negative workers", plainHTTP + "worker_count = -1\n", map[string]string{"http_server.worker_count": "invalid"}},
		{"tls profile", plainHTTP + "tls_profile = 'paranoid'\n", map[string]string{"http_server.tls_profile": "invalid"}},
		{"tls versions", plainHTTP + "tls_profile = 'custom'\ntls_min_version = '1.3'\ntls_max_version = '1.2'\n",
			map[string]string{"http_server.tls_max_version": "invalid"}},
		{"tls version spelling", plainHTTP + "tls_min_version = '1.1'\n", map[string]string{"http_server.tls_min_version": "invalid"}},
		{"tls cipher", plainHTTP + "tls_ciphers = 'RC4-SHA'\n", map[string]string{"http_server.tls_ciphers": "invalid"}},
		{"tls group", plainHTTP + "tls_groups = 'X448'\n", map[string]string{"http_server.tls_groups": "unsupported"}},

		{"grpc AS", plainHTTP + "[attestation_service]\ntype = 'coco_as_grpc'\nas_addr = 'http://as:50004'\n",
			map[string]string{"attestation_service.type": "unsupported"}},
		{"intel TA", plainHTTP + "[attestation_service]\ntype = 'intel_ta'\nbase_url = 'https://x'\napi_key = 'k'\ncerts_file = 'c'\npolicy_ids = ['p']\nallow_unmatched_policy = true\n",
			map[string]string{"attestation_service.type": "unsupported"}},
		{"grpc keys with builtin", plainHTTP + "[attestation_service]\nas_addr = 'x'\npool_size = 3\n",
			map[string]string{"attestation_service.as_addr": "invalid", "attestation_service.pool_size": "invalid"}},
		{"unknown AS type", plainHTTP + "[attestation_service]\ntype = 'magic'\n", map[string]string{"attestation_service.type": "invalid"}},
		{"AS timeout", plainHTTP + "[attestation_service]\ntimeout = 0\n", map[string]string{"attestation_service.timeout": "invalid"}},
		{"simple token removed", plainHTTP + "[attestation_service.attestation_token_broker]\ntype = 'Simple'\n",
			map[string]string{"attestation_service.attestation_token_broker.type": "unsupported"}},
		{"token duration", plainHTTP + "[attestation_service.attestation_token_broker]\nduration_min = 0\n",
			map[string]string{"attestation_service.attestation_token_broker.duration_min": "invalid"}},
		{"signer needs key", plainHTTP + "[attestation_service.attestation_token_broker.signer]\ncert_url = 'https://x'\n",
			map[string]string{"attestation_service.attestation_token_broker.signer.key_path": "invalid"}},
		{"remote RVPS", plainHTTP + "[attestation_service.rvps_config]\ntype = 'GrpcRemote'\naddress = '127.0.0.1:50003'\n",
			map[string]string{"attestation_service.rvps_config.type": "unsupported"}},
		{"RVPS address with BuiltIn", plainHTTP + "[attestation_service.rvps_config]\naddress = 'x'\n",
			map[string]string{"attestation_service.rvps_config.address": "invalid"}},
		{"RVPS extractors", plainHTTP + "[attestation_service.rvps_config.extractors]\nswid_extractor = {}\n", nil},
		{"unknown extractor", plainHTTP + "[attestation_service.rvps_config.extractors]\nmagic = {}\n",
			map[string]string{"attestation_service.rvps_config.extractors.magic": "unknown"}},
		{"AS storage override", plainHTTP + "[attestation_service]\nstorage_type = 'postgres'\n",
			map[string]string{"attestation_service.storage_type": "unsupported"}},

		{"storage LocalJson", plainHTTP + "[storage_backend]\nstorage_type = 'LocalJson'\n",
			map[string]string{"storage_backend.storage_type": "unsupported"}},
		{"storage Postgres", plainHTTP + "[storage_backend]\nstorage_type = 'Postgres'\n[storage_backend.backends.postgres]\nhost = 'db'\nport = 5433\ndb = 'kbs'\nusername = 'u'\npassword = 'p'\n",
			map[string]string{"storage_backend.storage_type": "unsupported"}},
		{"storage Redis", plainHTTP + "[storage_backend]\nstorage_type = 'redis'\nbackends.redis.url = 'redis://r'\n",
			map[string]string{"storage_backend.storage_type": "unsupported"}},
		{"storage unknown", plainHTTP + "[storage_backend]\nstorage_type = 'Floppy'\n",
			map[string]string{"storage_backend.storage_type": "invalid"}},
		{"LocalFs needs dir", plainHTTP + "[storage_backend]\nstorage_type = 'LocalFs'\nbackends.local_fs.dir_path = ''\n",
			map[string]string{"storage_backend.backends.local_fs.dir_path": "invalid"}},
		{"session storage", "session_storage_type = 'Redis'\n" + plainHTTP, map[string]string{"session_storage_type": "unsupported"}},

		{"admin mixes styles", plainHTTP + "[admin]\nauthorization_mode = 'DenyAll'\ntype = 'Simple'\n", map[string]string{"admin": "invalid"}},
		{"admin mixes personas into HEAD", plainHTTP + "[admin]\nauthorization_mode = 'InsecureAllowAll'\n[[admin.personas]]\nid = 'a'\npublic_key_path = 'a.pub'\n",
			map[string]string{"admin": "invalid"}},
		{"admin personas need Simple", plainHTTP + "[admin]\ntype = 'DenyAll'\n[[admin.personas]]\nid = 'a'\npublic_key_path = 'a.pub'\n",
			map[string]string{"admin.personas": "invalid"}},
		{"admin persona fields", plainHTTP + "[admin]\ntype = 'Simple'\n[[admin.personas]]\nid = ''\npublic_key_path = ''\n",
			map[string]string{"admin.personas[0].id": "invalid", "admin.personas[0].public_key_path": "invalid"}},
		{"admin duplicate persona", plainHTTP + "[[admin.personas]]\nid = 'a'\npublic_key_path = 'a'\n[[admin.personas]]\nid = 'a'\npublic_key_path = 'b'\n",
			map[string]string{"admin.personas[1].id": "invalid"}},
		{"admin mode spelling", plainHTTP + "[admin]\nauthorization_mode = 'Simple'\n", map[string]string{"admin.authorization_mode": "invalid"}},
		{"admin type spelling", plainHTTP + "[admin]\ntype = 'AuthenticatedAuthorization'\n", map[string]string{"admin.type": "invalid"}},
		{"authenticated needs both tables", plainHTTP + "[admin]\nauthorization_mode = 'AuthenticatedAuthorization'\n",
			map[string]string{"admin.authentication.bearer_jwt": "invalid", "admin.authorization.regex_acl": "invalid"}},
		{"identity provider needs a key", plainHTTP + `[admin]
authorization_mode = "AuthenticatedAuthorization"
authentication.bearer_jwt.identity_providers = [{ issuer = "i" }]
authorization.regex_acl.acls = []
`, map[string]string{"admin.authentication.bearer_jwt.identity_providers[0]": "invalid"}},
		{"acl anchoring", plainHTTP + `[admin]
authorization_mode = "AuthenticatedAuthorization"
authentication.bearer_jwt.identity_providers = [{ jwk_set_uri = "file:///jwks.json" }]
authorization.regex_acl.acls = [
  { role = "a", allowed_endpoints = "/kbs/.+$" },
  { role = "b", allowed_endpoints = "^/kbs/.+" },
  { role = "c", allowed_endpoints = "^/kbs/v0/resource/.+|.*$" },
  { role = "d", allowed_endpoints = "^/kbs/(a|b$" },
  { role = "", allowed_endpoints = "^/kbs/v0/(resource|resource-policy)/.*$" },
  { role = "f", allowed_endpoints = "^/kbs/a$|^/kbs/b$" },
]
`, map[string]string{
			"admin.authorization.regex_acl.acls[0].allowed_endpoints": "invalid",
			"admin.authorization.regex_acl.acls[1].allowed_endpoints": "invalid",
			"admin.authorization.regex_acl.acls[2].allowed_endpoints": "invalid",
			"admin.authorization.regex_acl.acls[3].allowed_endpoints": "invalid",
			"admin.authorization.regex_acl.acls[4].role":              "invalid",
		}},
		{"authentication outside AuthenticatedAuthorization", plainHTTP + "[admin]\nauthorization_mode = 'DenyAll'\n[admin.authentication.bearer_jwt]\n",
			map[string]string{"admin": "invalid"}},

		{"unknown plugin", plainHTTP + "[[plugins]]\nname = 'teleport'\n", map[string]string{"plugins[0].name": "invalid"}},
		{"nameless plugin", plainHTTP + "[[plugins]]\n", map[string]string{"plugins[0].name": "invalid"}},
		{"upstream-only plugin", plainHTTP + "[[plugins]]\nname = 'nebula-ca'\n", map[string]string{"plugins[0].name": "unsupported"}},
		{"sample needs item", plainHTTP + "[[plugins]]\nname = 'sample'\n", map[string]string{"plugins[0].item": "invalid"}},
		{"sample with resource keys", plainHTTP + "[[plugins]]\nname = 'sample'\nitem = 'x'\nstorage_backend_type = 'kvstorage'\n",
			map[string]string{"plugins[0]": "invalid"}},
		{"resource with item", plainHTTP + "[[plugins]]\nname = 'resource'\nitem = 'x'\n", map[string]string{"plugins[0].item": "invalid"}},
		{"resource mixes spellings", plainHTTP + "[[plugins]]\nname = 'resource'\ntype = 'LocalFs'\nstorage_backend_type = 'kvstorage'\n",
			map[string]string{"plugins[0]": "invalid"}},
		{"resource dir_path with kvstorage", plainHTTP + "[[plugins]]\nname = 'resource'\ndir_path = '/x'\n",
			map[string]string{"plugins[0].dir_path": "invalid"}},
		{"resource Vault", plainHTTP + "[[plugins]]\nname = 'resource'\nstorage_backend_type = 'Vault'\n",
			map[string]string{"plugins[0].storage_backend_type": "unsupported"}},
		{"resource unknown backend", plainHTTP + "[[plugins]]\nname = 'resource'\nstorage_backend_type = 'Tape'\n",
			map[string]string{"plugins[0].storage_backend_type": "invalid"}},
		{"duplicate plugin", plainHTTP + "[[plugins]]\nname = 'resource'\n[[plugins]]\nname = 'ResourceStorage'\n",
			map[string]string{"plugins[1].name": "invalid"}},

		{"insecure_key and insecure_header_jwk", plainHTTP + "[attestation_token]\ninsecure_key = true\ninsecure_header_jwk = false\n",
			map[string]string{"attestation_token.insecure_key": "invalid"}},
		{"old and new token broker names", plainHTTP + "[attestation_service.attestation_token_config]\nduration_min = 1\n[attestation_service.attestation_token_broker]\nduration_min = 2\n",
			map[string]string{"attestation_service.attestation_token_config": "invalid"}},
		{"unknown key in the old token broker", plainHTTP + "[attestation_service.attestation_token_config]\ncolour = 1\n",
			map[string]string{"attestation_service.attestation_token_config.colour": "unknown"}},
		{"policy engine other than opa", plainHTTP + "[attestation_service]\npolicy_engine = 'cedar'\n",
			map[string]string{"attestation_service.policy_engine": "invalid"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tc.toml))
			got := keyErrors(t, err)
			want := tc.want
			if want == nil {
				want = map[string]string{}
			}
			if !maps.Equal(got, want) {
				t.Fatalf("problems %v, want %v\nerror: %v", sortedKeys(got), want, err)
			}
			if (err == nil) != (cfg != nil) {
				t.Fatalf("cfg = %v with err = %v", cfg, err)
			}
			for key := range want {
				if !strings.Contains(err.Error(), key+": ") {
					t.Errorf("message does not name %q: %v", key, err)
				}
			}
		})
	}
}

func TestParseSyntaxAndTypeErrors(t *testing.T) {
	for _, in := range []string{"[http_server", "[http_server]\nsockets = 'one'\n", "[attestation_service]\ntimeout = '5'\n",
		"[attestation_service]\nwork_dir = 5\n"} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	cfg, err := Parse([]byte(plainHTTP))
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.HTTPServer
	if !slices.Equal(h.Sockets, []string{"127.0.0.1:8080"}) || h.PayloadRequestSize != 2 || h.MaxRequestBytes() != 2<<20 ||
		h.TLSProfile != TLSIntermediate || h.WorkerCount != 0 {
		t.Errorf("http_server defaults: %+v", h)
	}
	as := cfg.AttestationService
	if as.Type != ASBuiltin || as.Timeout != 5 || as.SessionTimeout().Minutes() != 5 || as.RVPS.Type != RVPSBuiltIn || as.StorageType != "" {
		t.Errorf("attestation_service defaults: %+v", as)
	}
	if as.TokenBroker != defaultTokenBroker() || as.TokenBroker.Lifetime().Minutes() != 5 || !as.TokenBroker.VerboseToken ||
		as.TokenBroker.ProfileName != "tag:github.com,2024:confidential-containers/Trustee" {
		t.Errorf("token broker defaults: %+v", as.TokenBroker)
	}
	if cfg.StorageBackend.StorageType != StorageMemory || cfg.SessionStorage() != StorageMemory ||
		cfg.StorageBackend.Backends.LocalFs.DirPath != DefaultLocalFsDir {
		t.Errorf("storage defaults: %+v", cfg.StorageBackend)
	}
	if cfg.Admin.Mode() != AdminSimple || len(cfg.Plugins) != 0 || cfg.AttestationToken.InsecureHeaderJWK {
		t.Errorf("admin/plugins/token defaults: %+v %+v %+v", cfg.Admin, cfg.Plugins, cfg.AttestationToken)
	}
	if !hasWarning(cfg.Warnings, "no [admin] section") || !hasWarning(cfg.Warnings, "no personas") {
		t.Errorf("warnings = %q", cfg.Warnings)
	}
	if hasWarning(cfg.Warnings, "plain HTTP") {
		t.Errorf("loopback plain HTTP warned about: %q", cfg.Warnings)
	}
}

func TestParseAliasesAndLegacySpellings(t *testing.T) {
	cfg, err := Parse([]byte(`session_storage_type = "memory"
` + plainHTTP + `
[attestation_token]
insecure_key = true
[attestation_service]
type = "CoCoASBuiltIn"
policy_engine = "opa"
storage_type = "local_fs"
[attestation_service.rvps_config]
storage_type = "memory"
[storage_backend]
storage_type = "local_fs"
[admin]
type = "Simple"
[[admin.personas]]
id = "admin"
public_key_path = "/etc/kbs-admin.pub"
[[plugins]]
name = "ResourceStorage"
type = "LocalFs"
[[plugins]]
name = "Sample"
item = "x"
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionStorageType != StorageMemory || cfg.StorageBackend.StorageType != StorageLocalFs ||
		cfg.ASStorage() != StorageLocalFs || cfg.RVPSStorage() != StorageMemory || cfg.AttestationService.Type != ASBuiltin {
		t.Errorf("aliases not canonicalised: %+v", cfg)
	}
	if !cfg.AttestationToken.InsecureHeaderJWK {
		t.Error("insecure_key not applied")
	}
	want := []Plugin{
		{Name: PluginResource, StorageBackendType: ResourceLocalFsV016, DirPath: DefaultResourceDirV016},
		{Name: PluginSample, Item: "x"},
	}
	if !slices.Equal(cfg.Plugins, want) {
		t.Errorf("plugins = %+v", cfg.Plugins)
	}
	for _, w := range []string{"insecure_key is deprecated", "policy_engine is deprecated", "plugins[0].type is the upstream v0.16 spelling"} {
		if !hasWarning(cfg.Warnings, w) {
			t.Errorf("missing warning %q in %q", w, cfg.Warnings)
		}
	}
	if cfg.Admin.Mode() != AdminSimple || len(cfg.Admin.Personas) != 1 {
		t.Errorf("admin = %+v", cfg.Admin)
	}
}

func TestEmptyAdminTableIsSimple(t *testing.T) {
	cfg, err := Parse([]byte(plainHTTP + "[admin]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Admin.Mode() != AdminSimple || hasWarning(cfg.Warnings, "no [admin] section") || !hasWarning(cfg.Warnings, "no personas") {
		t.Errorf("mode %s, warnings %q", cfg.Admin.Mode(), cfg.Warnings)
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := Parse([]byte("[http_server]\nsockets = []\ncolour = 1\n[storage_backend]\nstorage_type = 'Redis'\n[[plugins]]\nname = 'x'\n"))
	got := keyErrors(t, err)
	want := map[string]string{
		"http_server.colour": "unknown", "http_server.sockets": "invalid", "http_server.private_key": "invalid",
		"http_server.certificate": "invalid", "storage_backend.storage_type": "unsupported", "plugins[0].name": "invalid",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrInvalid) {
		t.Error("sentinels not reachable through the joined error")
	}
}

func TestDefaultValidates(t *testing.T) {
	dir := t.TempDir()
	cfg := Default(dir)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if !cfg.HTTPServer.InsecureHTTP || !slices.Equal(cfg.HTTPServer.Sockets, []string{"127.0.0.1:8080"}) || cfg.HTTPServer.exposedInsecurely() != nil {
		t.Errorf("http_server = %+v", cfg.HTTPServer)
	}
	if cfg.StorageBackend.StorageType != StorageLocalFs || cfg.StorageBackend.Backends.LocalFs.DirPath != filepath.Join(dir, "storage") ||
		cfg.SessionStorage() != StorageMemory {
		t.Errorf("storage = %+v, sessions %s", cfg.StorageBackend, cfg.SessionStorage())
	}
	if cfg.Admin.Mode() != AdminSimple || len(cfg.Admin.Personas) != 1 || cfg.Admin.Personas[0].ID != "admin" ||
		cfg.Admin.Personas[0].PublicKeyPath != filepath.Join(dir, "admin.pub") {
		t.Errorf("admin = %+v", cfg.Admin)
	}
	if s := cfg.AttestationService.TokenBroker.Signer; s == nil || s.KeyPath != filepath.Join(dir, "token.key") {
		t.Errorf("signer = %+v", s)
	}
	if len(cfg.Plugins) != 1 || cfg.Plugins[0].Name != PluginResource || cfg.AttestationToken.InsecureHeaderJWK {
		t.Errorf("plugins = %+v, token = %+v", cfg.Plugins, cfg.AttestationToken)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kbs.toml")
	if _, err := Load(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("[http_server]\nsocket = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrUnknownKey) {
		t.Errorf("bad file: %v", err)
	}
}

func TestTLSConfig(t *testing.T) {
	cases := []struct {
		toml            string
		min, max        uint16
		suites, nCurves int
	}{
		{"", tls.VersionTLS12, 0, len(intermediateSuites), 0},
		{"tls_profile = 'old'", tls.VersionTLS12, 0, 0, 0},
		{"tls_profile = 'modern'", tls.VersionTLS13, 0, 0, 0},
		{"tls_profile = 'custom'\ntls_min_version = '1.3'\ntls_ciphers = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'\ntls_groups = 'X25519:secp384r1'",
			tls.VersionTLS13, 0, 0, 2},
		{"tls_profile = 'custom'\ntls_max_version = '1.2'\ntls_ciphers = 'ECDHE-RSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'",
			tls.VersionTLS12, tls.VersionTLS12, 2, 0},
	}
	for _, tc := range cases {
		cfg, err := Parse([]byte("[http_server]\nprivate_key = 'k'\ncertificate = 'c'\n" + tc.toml + "\n"))
		if err != nil {
			t.Fatalf("%q: %v", tc.toml, err)
		}
		got, err := cfg.HTTPServer.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		if got.MinVersion != tc.min || got.MaxVersion != tc.max || len(got.CipherSuites) != tc.suites || len(got.CurvePreferences) != tc.nCurves {
			t.Errorf("%q: min %x max %x suites %d curves %v", tc.toml, got.MinVersion, got.MaxVersion, len(got.CipherSuites), got.CurvePreferences)
		}
	}
	if _, err := (HTTPServer{TLSProfile: "bogus"}).TLSConfig(); !errors.Is(err, ErrInvalid) {
		t.Errorf("bogus profile: %v", err)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	cfg, err := Parse([]byte(plainHTTP + "[storage_backend.backends.postgres]\npassword = 'hunter2'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StorageBackend.Backends.Postgres.Password != "hunter2" {
		t.Fatal("password not decoded")
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "password", cfg.StorageBackend.Backends.Postgres.Password)
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", *cfg), fmt.Sprintf("%#v", *cfg), logged.String()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("secret printed: %s", s)
		}
	}
}
