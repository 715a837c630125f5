package cdh

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadStartupConfig(t *testing.T) {
	env := map[string]string{
		EnvKBCParams:           "cc_kbc::http://10.0.0.1:8080",
		EnvSkipVerification:    "true",
		EnvRegistryCredentials: "kbs:///default/credential/auth",
	}
	getenv := func(k string) string { return env[k] }
	cfg, err := LoadStartupConfig("", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KBC.Name != KBCCC || cfg.KBC.URL != "http://10.0.0.1:8080" || !cfg.SkipSealedSecretVerification ||
		cfg.Image == nil || cfg.Image.AuthenticatedRegistryCredentialsURI != env[EnvRegistryCredentials] {
		t.Errorf("from the environment: %+v", cfg)
	}

	path := filepath.Join(t.TempDir(), "cdh.toml")
	if err := os.WriteFile(path, []byte("[kbc]\nname = \"offline_fs_kbc\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(env, EnvSkipVerification)
	if cfg, err = LoadStartupConfig(path, getenv); err != nil || cfg.KBC.Name != KBCOfflineFS || cfg.SkipSealedSecretVerification {
		t.Errorf("from the file: %+v, %v; want the file's [kbc] and verification on", cfg, err)
	}
	if _, err := LoadStartupConfig(path+".absent", getenv); err == nil {
		t.Error("a missing file is accepted")
	}
}
