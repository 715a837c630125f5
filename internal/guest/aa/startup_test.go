package aa

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadInitData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "initdata.toml")
	doc := []byte("version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadInitData(path, "AAEC")
	if err != nil || !bytes.Equal(got.TOML, doc) || got.Digest != nil {
		t.Errorf("TOML and digest: %+v, %v; want the TOML alone (it wins)", got, err)
	}
	if got, err = ReadInitData("", "AAEC"); err != nil || !bytes.Equal(got.Digest, []byte{0, 1, 2}) {
		t.Errorf("digest: %+v, %v", got, err)
	}
	if got, err = ReadInitData("", ""); err != nil || got.TOML != nil || got.Digest != nil {
		t.Errorf("none: %+v, %v", got, err)
	}
	if _, err := ReadInitData("", "not base64!"); err == nil || !strings.Contains(err.Error(), "--initdata-digest") {
		t.Errorf("bad digest: %v", err)
	}
	if _, err := ReadInitData(filepath.Join(t.TempDir(), "absent"), ""); err == nil || !strings.Contains(err.Error(), "--initdata-toml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadStartupConfig(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{KBCParamsEnv: "cc_kbc::http://10.0.0.1:8080"}[k]
		return v, ok
	}
	cfg, note, err := LoadStartupConfig("", env)
	if err != nil || cfg.TokenConfigs.KBS == nil || cfg.TokenConfigs.KBS.URL != "http://10.0.0.1:8080" || !strings.Contains(note, "aa_kbc_params") {
		t.Errorf("no file: %+v, %q, %v", cfg, note, err)
	}
	path := filepath.Join(t.TempDir(), "aa.toml")
	if err := os.WriteFile(path, []byte("[token_configs.kbs]\nurl = \"http://k:1/\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, note, err = LoadStartupConfig(path, env)
	if err != nil || cfg.TokenConfigs.KBS.URL != "http://k:1" || note != path {
		t.Errorf("file: %+v, %q, %v; want the file's KBS, not the environment's", cfg, note, err)
	}
	if _, _, err := LoadStartupConfig(path+".absent", env); err == nil || !strings.Contains(err.Error(), path+".absent") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
}
