package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runCommand(t *testing.T, env map[string]string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newRootCommand(&out, &out, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestHelpGroupsTheThreeCommandsFlags(t *testing.T) {
	out, err := runCommand(t, nil, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--attestation_sock", "--aa-config", "--initdata-toml", "--initdata-digest", "--cdh-config",
		"--rest-bind", `"127.0.0.1:8006"`, "--rest-features", `(default "resource")`} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// Bad flags and files stop start-up before anything listens.
func TestRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[token_configs.kbs]\nkbs_cert = 'x'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := "unix://" + filepath.Join(dir, "aa.sock")
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"unknown feature":  {[]string{"--rest-features", "none"}, nil, "Supported features are: resource, attestation, all"},
		"bad RUST_LOG":     {nil, map[string]string{"RUST_LOG": "loud"}, "RUST_LOG"},
		"bad aa.toml":      {[]string{"--rest-features", "all", "--attestation_sock", sock, "--aa-config", bad}, nil, "--aa-config"},
		"missing cdh.toml": {[]string{"--attestation_sock", sock, "--cdh-config", filepath.Join(dir, "absent.toml")}, nil, "--cdh-config"},
		"bad init-data":    {[]string{"--attestation_sock", sock, "--initdata-digest", "not base64!"}, nil, "--initdata-digest"},
		"stray argument":   {[]string{"extra"}, nil, "unknown command"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := runCommand(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(out+err.Error(), tc.want) {
				t.Fatalf("err = %v, output %q; want an error mentioning %q", err, out, tc.want)
			}
		})
	}
}

// TestGuestBinaryStaysLean: no Trustee (server-side) package and no gRPC
// (every component speaks ttRPC) are linked into the one-process guest.
func TestGuestBinaryStaysLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "github.com/cocoon-cc/cocoon/internal/guest/restapi") {
		t.Fatal("go list output does not look like this command's dependencies")
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/internal/trustee") || strings.Contains(pkg, "open-policy-agent") || pkg == "google.golang.org/grpc" {
			t.Errorf("cocoon-guest links %s", pkg)
		}
	}
}
