package cdh

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func TestUpstreamExampleConfigs(t *testing.T) {
	for _, name := range []string{"example.config.toml", "example.config.json"} {
		c, err := LoadConfig(upstream.Path(t, "guest-components/cdh/"+name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Socket != DefaultSocket || c.AA.Socket != DefaultAASocket || c.KBC.Name != KBCCC || c.KBC.URL != "http://example.io:8080" {
			t.Errorf("%s: %+v %+v", name, c, c.KBC)
		}
		if !strings.Contains(c.KBC.Cert, "BEGIN CERTIFICATE") || len(c.Credentials) != 2 || c.Credentials[1].ResourceURI != "kbs:///default/test/file" {
			t.Errorf("%s: kbc cert or credentials wrong: %+v", name, c.Credentials)
		}
		img := c.Image
		if img == nil || img.MaxConcurrentLayerDownloads != 3 ||
			img.RegistryConfig == nil || len(img.RegistryConfig.Registry) != 3 || len(img.RegistryConfig.Registry[1].Mirror) != 2 ||
			!img.RegistryConfig.Registry[1].Mirror[1].Insecure || img.ImagePullProxy.NoProxy != "192.168.0.1,localhost" ||
			c.Log.Level != "info" {
			t.Errorf("%s: image config %+v", name, img)
		}
	}
}

// In upstream's example TOML, extra_root_certificates and work_dir follow a
// [[image.registry_config.registry.mirror]] header, so TOML puts them in
// that mirror, where upstream's serde silently drops them. We parse the
// file as upstream does and report the two keys.
func TestUpstreamExampleTOMLMisplacedKeys(t *testing.T) {
	c, err := LoadConfig(upstream.Path(t, "guest-components/cdh/example.config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"image.registry_config.registry.mirror.extra_root_certificates", "image.registry_config.registry.mirror.work_dir"}
	if !slices.Equal(c.IgnoredKeys, want) || c.Image.WorkDir != "" || len(c.Image.ExtraRootCertificates) != 0 {
		t.Fatalf("ignored %q, work_dir %q, %d extra roots", c.IgnoredKeys, c.Image.WorkDir, len(c.Image.ExtraRootCertificates))
	}
	j, err := LoadConfig(upstream.Path(t, "guest-components/cdh/example.config.json"))
	if err != nil || len(j.IgnoredKeys) != 0 || j.Image.WorkDir != "/run/image-rs" || len(j.Image.ExtraRootCertificates) != 1 {
		t.Fatalf("json: %v %+v", err, j.Image)
	}
}

// The cases of upstream's read_config test, with the one deliberate difference.
func TestUpstreamConfigCases(t *testing.T) {
	minimal, err := ParseConfig([]byte("[kbc]\nname = \"offline_fs_kbc\"\n"), "toml")
	if err != nil {
		t.Fatal(err)
	}
	if minimal.Socket != DefaultSocket || minimal.AA.Socket != DefaultAASocket || minimal.Log.Level != "info" ||
		minimal.KBC.URL != "" || minimal.Image != nil || minimal.SkipSealedSecretVerification {
		t.Errorf("defaults: %+v", minimal)
	}
	policy, err := ParseConfig([]byte("[kbc]\nname = \"offline_fs_kbc\"\n[image]\nimage_security_policy = \"\"\"\n{\n    \"default\": []\n}\n\"\"\"\n"), "toml")
	if err != nil || policy.Image.ImageSecurityPolicy != "{\n    \"default\": []\n}\n" {
		t.Fatalf("inline policy: %v %+v", err, policy)
	}
	full := `socket = "unix:///run/confidential-containers/cdh.sock"
[aa]
aa_socket = "unix:///run/confidential-containers/attestation-agent/attestation-agent.sock"
[kbc]
name = "offline_fs_kbc"
url = ""
kbs_cert = ""
[image]
max_concurrent_layer_downloads_per_image = 3
extra_root_certificates = ["cert1", "cert2"]
[image.registry_config]
unqualified-search-registries = ["docker.io", "example1.com"]
[[image.registry_config.registry]]
prefix = "example.com/foo"
location = "internal-registry-for-example.com/bar"
[[image.registry_config.registry.mirror]]
location = "example-mirror-0.local/mirror-for-foo"
[image.image_pull_proxy]
https_proxy = "http://127.0.0.1:8080"
`
	if _, err := ParseConfig([]byte(full), "toml"); err != nil {
		t.Fatalf("full: %v", err)
	}
	// Upstream refuses an empty [[credentials]] item; so do we.
	if _, err := ParseConfig([]byte("[kbc]\nname = \"offline_fs_kbc\"\n[[credentials]]\n"), "toml"); !errors.Is(err, ErrConfig) {
		t.Errorf("empty credentials: %v", err)
	}
	// Upstream ignores unknown keys under [image]; so do we, and say so.
	c, err := ParseConfig([]byte("[kbc]\nname = \"offline_fs_kbc\"\n[image]\nsome_undefined_field = \"x\"\n"), "toml")
	if err != nil || !slices.Equal(c.IgnoredKeys, []string{"image.some_undefined_field"}) {
		t.Errorf("unknown image key: %v %v", err, c)
	}
	c, err = ParseConfig([]byte(`{"kbc":{"name":"offline_fs_kbc"},"image":{"some_undefined_field":"x","work_dir":"/w"}}`), "json")
	if err != nil || len(c.IgnoredKeys) != 1 || c.Image.WorkDir != "/w" {
		t.Errorf("unknown JSON image key: %v %v", err, c)
	}
}

func TestConfigRefusals(t *testing.T) {
	kbc := "[kbc]\nname = \"cc_kbc\"\nurl = \"http://kbs:8080\"\n"
	cred := func(path string) string {
		return kbc + "[[credentials]]\nresource_uri = \"kbs:///default/a/b\"\npath = \"" + path + "\"\n"
	}
	cases := map[string]string{
		"":                                       "[kbc] is required",
		"[kbc]\nname = \"sample_kbc\"\n":         "name \"sample_kbc\"",
		"[kbc]\nname = \"cc_kbc\"\n":             "url is required",
		"socket = \"127.0.0.1:50000\"\n" + kbc:   "want unix://",
		"socket = \"tcp://x\"\n" + kbc:           "want unix://",
		kbc + "[log]\nlevel = \"loud\"\n":        "level \"loud\"",
		kbc + "colour = \"blue\"\n":              "unknown key \"kbc.colour\"",
		"colour = \"blue\"\n" + kbc:              "unknown key \"colour\"",
		cred("/etc/shadow"):                      "must be a file below",
		cred(CredentialsDir):                     "must be a file below",
		cred(CredentialsDir + "X/a"):             "must be a file below",
		cred(CredentialsDir + "/a/../../../etc"): `".."`,
		cred(CredentialsDir + "/./a"):            `".."`,
		kbc + "[[credentials]]\nresource_uri = \"file:///etc/x\"\npath = \"" + CredentialsDir + "/x\"\n": "unknown scheme",
		"[kbc\n": "toml",
	}
	for in, want := range cases {
		_, err := ParseConfig([]byte(in), "toml")
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: got %v, want %q", in, err, want)
		}
	}
	if _, err := ParseConfig([]byte(`{"kbc":{"name":"offline_fs_kbc"},"extra":1}`), "json"); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown JSON key: %v", err)
	}
	if _, err := ParseConfig([]byte(`{"kbc":{"name":"offline_fs_kbc"}} {}`), "json"); !errors.Is(err, ErrConfig) {
		t.Errorf("trailing JSON: %v", err)
	}
}

func TestLoadConfigPicksFormatByExtension(t *testing.T) {
	dir := t.TempDir()
	j := filepath.Join(dir, "cdh.json")
	_ = os.WriteFile(j, []byte(`{"kbc":{"name":"cc_kbc","url":"http://k"}}`), 0o600)
	if c, err := LoadConfig(j); err != nil || c.KBC.URL != "http://k" {
		t.Fatalf("json: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.toml")); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestDefaultConfigFromEnvAndKernel(t *testing.T) {
	c, err := DefaultConfig("cc_kbc::http://10.0.0.1:8080", "agent.aa_kbc_params=cc_kbc::http://ignored")
	if err != nil || c.KBC.Name != KBCCC || c.KBC.URL != "http://10.0.0.1:8080" {
		t.Fatalf("env: %+v %v", c, err)
	}
	c, err = DefaultConfig("", "quiet agent.aa_kbc_params=cc_kbc::http://10.0.0.2:8080 console=hvc0")
	if err != nil || c.KBC.URL != "http://10.0.0.2:8080" {
		t.Fatalf("cmdline: %+v %v", c, err)
	}
	c, err = DefaultConfig("", "quiet")
	if err != nil || c.KBC.Name != KBCOfflineFS {
		t.Fatalf("fallback: %+v %v", c, err)
	}
	if _, err := DefaultConfig("cc_kbc", ""); !errors.Is(err, ErrConfig) {
		t.Fatalf("no '::': %v", err)
	}
}

func TestApplyOverrides(t *testing.T) {
	c, _ := DefaultConfig("cc_kbc::http://k", "")
	cmdline := "cdh.kbs_resources=kbs:///default/a/1::" + CredentialsDir + "/a,junk,kbs:///default/b/2::" + CredentialsDir + "/b/c"
	if err := c.ApplyOverrides("kbs:///default/credential/test", cmdline, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if len(c.Credentials) != 2 || c.Credentials[1].Path != CredentialsDir+"/b/c" || c.Image.AuthenticatedRegistryCredentialsURI != "kbs:///default/credential/test" {
		t.Fatalf("got %+v %+v", c.Credentials, c.Image)
	}
	if err := c.ApplyOverrides("", "cdh.kbs_resources=kbs:///a/b/c::/etc/passwd", slog.New(slog.DiscardHandler)); !errors.Is(err, ErrConfig) {
		t.Fatalf("kernel credential outside the directory: %v", err)
	}
}
