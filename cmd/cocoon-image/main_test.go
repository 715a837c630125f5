package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/imagetool"
)

func runCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCommand(&out, &out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestCopyHelpUsesSkopeoNames(t *testing.T) {
	out, err := runCommand(t, "copy", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--encryption-key", "--src-tls-verify", "--dest-tls-verify", "--sign-by-sigstore-private-key",
		"--sign-passphrase-file", "--sign-by", "--registries.d", "OCICRYPT_KEYPROVIDER_CONFIG",
		"provider:attestation-agent:keyid=kbs:///", "oci:DIR[:TAG]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("copy --help does not mention %q", want)
		}
	}
}

// generate-sigstore-key writes a pair copy can sign with, and never
// overwrites a key.
func TestGenerateSigstoreKey(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte("s3cret\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "k")
	if _, err := runCommand(t, "generate-sigstore-key", "--output-prefix", prefix, "--passphrase-file", pass); err != nil {
		t.Fatal(err)
	}
	priv, err := os.ReadFile(prefix + ".private")
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(prefix + ".private"); info.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v", info.Mode().Perm())
	}
	if _, err := imagetool.ParseSigstoreKey(priv, []byte("s3cret")); err != nil {
		t.Errorf("the key does not open with the passphrase file's first line: %v", err)
	}
	if _, err := runCommand(t, "generate-sigstore-key", "--output-prefix", prefix); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second generation over the same prefix: %v, want a refusal", err)
	}
	if again, _ := os.ReadFile(prefix + ".private"); !bytes.Equal(again, priv) {
		t.Error("the private key was overwritten")
	}
}

func TestCopyArgumentErrors(t *testing.T) {
	if out, err := runCommand(t, "copy", "docker://a/b:c"); err == nil || !strings.Contains(out, "Error: accepts 2 arg") {
		t.Errorf("one argument: %v, output:\n%s", err, out)
	}
	if _, err := runCommand(t, "copy", "--sign-by-sigstore-private-key", "/nonexistent", "dir:/a", "dir:/b"); err == nil {
		t.Error("a missing key file was accepted")
	}
}
