package aa

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// exampleCert is the certificate of config.example.{toml,json}, whose
// subject is AAS-TEST-HTTPS; the TOML's literal string starts with a
// newline, which TOML trims, so both forms give the same text.
func exampleCert(t *testing.T) string {
	s := string(upstream.Read(t, "guest-components/aa/config.example.toml"))
	start := strings.Index(s, "-----BEGIN CERTIFICATE-----")
	end := strings.Index(s, "-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----\n")
	if start < 0 || end < start {
		t.Fatal("config.example.toml holds no certificate")
	}
	return s[start:end]
}

// TestUpstreamConfigs checks every upstream aa config against the values
// of upstream's own parse_configs test (config3, which upstream does not
// list there, parses as its keys say).
func TestUpstreamConfigs(t *testing.T) {
	cert := exampleCert(t)
	defaults := EventlogConfig{InitPCR: 17}
	kbsWith := func(cert string) *KBSConfig {
		return &KBSConfig{URL: "https://127.0.0.1:8080", Cert: cert, TeeKeyAlgorithm: "ECDH-ES+A256KW-P256"}
	}
	coco := &CoCoASConfig{URL: "http://127.0.0.1:8000"}
	for file, want := range map[string]Config{
		"config.example.toml": {TokenConfigs{coco, kbsWith(cert)}, defaults, LogConfig{"info"}},
		"config.example.json": {TokenConfigs{coco, kbsWith(cert)}, defaults, LogConfig{"info"}},
		"config1.toml":        {TokenConfigs{coco, kbsWith("cert")}, defaults, LogConfig{"warn"}},
		"config2.toml":        {TokenConfigs{nil, kbsWith("cert")}, defaults, LogConfig{"warn"}},
		"config3.toml":        {TokenConfigs{coco, kbsWith("")}, defaults, LogConfig{"warn"}},
		"config4.toml":        {TokenConfigs{}, defaults, LogConfig{"warn"}},
		"config5.toml":        {TokenConfigs{}, defaults, LogConfig{"info"}},
		"config6.toml":        {TokenConfigs{}, defaults, LogConfig{"info"}},
	} {
		t.Run(file, func(t *testing.T) {
			got, err := LoadConfig(upstream.Path(t, "guest-components/aa/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("parsed %+v\nwant   %+v", *got, want)
			}
		})
	}
}

func TestConfigRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ text, inError string }{
		"unknown top key":     {"[tokens]\nurl = 'x'", "tokens"},
		"unknown kbs key":     {"[token_configs.kbs]\nurl = 'http://k'\nkbs_cert = 'x'", "token_configs.kbs.kbs_cert"},
		"unknown eventlog":    {"[eventlog_config]\nenable = true", "eventlog_config.enable"},
		"kbs without url":     {"[token_configs.kbs]\ncert = 'x'", "token_configs.kbs.url is required"},
		"kbs url scheme":      {"[token_configs.kbs]\nurl = 'ftp://k'", "token_configs.kbs.url"},
		"coco_as without url": {"[token_configs.coco_as]", "token_configs.coco_as.url is required"},
		"key algorithm":       {"[token_configs.kbs]\nurl = 'http://k'\ntee_key_algorithm = 'RSA1_5'", "tee_key_algorithm"},
		"log level":           {"[log]\nlevel = 'loud'", "log.level"},
		"pcr type":            {"[eventlog_config]\ninit_pcr = -1", "init_pcr"},
		"not toml":            {"[[[", ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.text))
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.inError) {
				t.Fatalf("ParseConfig = %v, want ErrInvalidConfig naming %q", err, tc.inError)
			}
		})
	}
	_, err := ParseConfigJSON([]byte(`{"token_configs":{"kbs":{"url":"http://k","certs":"x"}}}`))
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `"certs"`) {
		t.Fatalf("ParseConfigJSON = %v, want ErrInvalidConfig naming certs", err)
	}
}

func TestConfigTrimsURL(t *testing.T) {
	cfg, err := ParseConfig([]byte("[token_configs.kbs]\nurl = 'http://kbs:8080/'\n[eventlog_config]\ninit_pcr = 23\nenable_eventlog = true"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TokenConfigs.KBS.URL != "http://kbs:8080" || cfg.EventlogConfig != (EventlogConfig{23, true}) {
		t.Fatalf("parsed %+v %+v", cfg.TokenConfigs.KBS, cfg.EventlogConfig)
	}
}

func TestConfigFromKernelParams(t *testing.T) {
	dir := t.TempDir()
	cmdline := filepath.Join(dir, "cmdline")
	write := func(s string) {
		if err := os.WriteFile(cmdline, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := func(v string, ok bool) func(string) (string, bool) {
		return func(name string) (string, bool) {
			if name != KBCParamsEnv {
				t.Fatalf("looked up %s", name)
			}
			return v, ok
		}
	}
	write("console=hvc0 agent.aa_kbc_params=cc_kbc::http://10.0.0.1:8080 quiet\n")
	for name, tc := range map[string]struct {
		env     func(string) (string, bool)
		cmdline string
		wantURL string
	}{
		"environment wins":    {env("cc_kbc::https://env:8080/", true), cmdline, "https://env:8080"},
		"kernel command line": {env("", false), cmdline, "http://10.0.0.1:8080"},
		"other kbc":           {env("offline_fs_kbc::null", true), cmdline, ""},
		"three segments":      {env("cc_kbc::http://a::b", true), cmdline, ""},
		"no separator":        {env("cc_kbc", true), cmdline, ""},
		"nothing anywhere":    {env("", false), filepath.Join(dir, "absent"), ""},
		"empty url":           {env("cc_kbc::", true), cmdline, ""},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, note := ConfigFromKernelParams(tc.env, tc.cmdline)
			if note == "" {
				t.Error("no note on where the KBS came from")
			}
			got := ""
			if cfg.TokenConfigs.KBS != nil {
				got = cfg.TokenConfigs.KBS.URL
			}
			if got != tc.wantURL {
				t.Fatalf("KBS URL = %q, want %q (%s)", got, tc.wantURL, note)
			}
			if cfg.TokenConfigs.CoCoAS != nil || cfg.EventlogConfig.InitPCR != 17 {
				t.Fatalf("defaults changed: %+v", cfg)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"config.example.toml", "config1.toml", "config4.toml", "config6.toml"} {
		f.Add(upstream.Read(f, "guest-components/aa/"+name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
		_, _ = ParseConfigJSON(b)
	})
}
