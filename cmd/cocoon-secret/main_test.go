package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCmd(strings.NewReader(stdin), &out, &errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// kbs is the KBS as the CDH would see it, for the check that the CDH's own
// unsealer accepts what the tool produces.
type kbs map[string][]byte

func (k kbs) GetResource(_ context.Context, uri resourceuri.URI) ([]byte, error) {
	if v, ok := k[uri.KBSPath()]; ok {
		return v, nil
	}
	return nil, errors.New("not found")
}

func keygen(t *testing.T) (dir, priv, pub string) {
	t.Helper()
	dir = t.TempDir()
	if _, err := cli(t, "", "keygen", "--kid", "k1", "--output-dir", dir); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "k1-private.json"), filepath.Join(dir, "k1-public.json")
}

func TestVaultSecretTheCDHAccepts(t *testing.T) {
	_, priv, pub := keygen(t)
	sealed, err := cli(t, "", "seal", "--signing-kid", "kbs:///default/signing/k1", "--signing-jwk-path", priv,
		"vault", "--resource-uri", "kbs:///default/db/password")
	if err != nil {
		t.Fatal(err)
	}
	pubJWK, _ := os.ReadFile(pub)
	u := &secret.Unsealer{KeyDir: t.TempDir(), Resources: kbs{"default/signing/k1": pubJWK, "default/db/password": []byte("pw")}}
	plain, err := u.Unseal(context.Background(), []byte(strings.TrimSpace(sealed)))
	if err != nil || string(plain) != "pw" {
		t.Fatalf("CDH unseal: %q, %v", plain, err)
	}
	// unseal shows the payload of a vault secret.
	out, err := cli(t, sealed, "unseal", "--key-path", pub)
	if err != nil || !strings.Contains(out, `"name": "kbs:///default/db/password"`) {
		t.Fatalf("unseal: %q, %v", out, err)
	}
}

func TestEnvelopeSecretRoundTrip(t *testing.T) {
	dir, priv, pub := keygen(t)
	kek := filepath.Join(dir, "kek.bin")
	plainFile := filepath.Join(dir, "secret.txt")
	_ = os.WriteFile(kek, []byte("0123456789abcdef0123456789abcdef"), 0o600)
	_ = os.WriteFile(plainFile, []byte("top secret"), 0o600)
	sealed, err := cli(t, "", "seal", "--signing-kid", "k1", "--signing-jwk-path", priv,
		"envelope", "--key-id", "kbs:///default/kek/1", "--kek-file", kek, "--file-path", plainFile)
	if err != nil {
		t.Fatal(err)
	}
	sealedFile := filepath.Join(dir, "secret.sealed")
	_ = os.WriteFile(sealedFile, []byte(sealed), 0o600)
	out, err := cli(t, "", "unseal", "-f", sealedFile, "-k", pub, "--kek-file", kek)
	if err != nil || out != "top secret" {
		t.Fatalf("unseal: %q, %v", out, err)
	}
	// The CDH, with the public key in its local key directory under the kid.
	keyDir := t.TempDir()
	pubJWK, _ := os.ReadFile(pub)
	_ = os.WriteFile(filepath.Join(keyDir, "k1"), pubJWK, 0o600)
	kekBytes, _ := os.ReadFile(kek)
	u := &secret.Unsealer{KeyDir: keyDir, Resources: kbs{"default/kek/1": kekBytes}}
	if plain, err := u.Unseal(context.Background(), []byte(strings.TrimSpace(sealed))); err != nil || string(plain) != "top secret" {
		t.Fatalf("CDH unseal: %q, %v", plain, err)
	}
}

func TestUnsealRefusesAnotherKey(t *testing.T) {
	_, priv, _ := keygen(t)
	_, _, otherPub := keygen(t)
	sealed, err := cli(t, "", "seal", "--signing-kid", "k1", "--signing-jwk-path", priv, "vault", "--resource-uri", "kbs:///a/b/c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, sealed, "unseal", "--key-path", otherPub); !errors.Is(err, secret.ErrSignature) {
		t.Fatalf("got %v, want ErrSignature", err)
	}
	if _, err := cli(t, sealed, "unseal"); err == nil || !strings.Contains(err.Error(), "--key-path is required") {
		t.Fatalf("no key: %v", err)
	}
	if out, err := cli(t, sealed, "unseal", "--skip-verification"); err != nil || !strings.Contains(out, `"type"`) {
		t.Fatalf("skip verification: %q %v", out, err)
	}
}

func TestRefusals(t *testing.T) {
	dir, priv, _ := keygen(t)
	if _, err := cli(t, "", "keygen", "--kid", "k1", "--output-dir", dir); err == nil {
		t.Error("keygen overwrote a key")
	}
	if _, err := cli(t, "", "keygen", "--kid", "../k2", "--output-dir", dir); err == nil {
		t.Error("keygen took a path as kid")
	}
	shortKEK := filepath.Join(dir, "short.bin")
	_ = os.WriteFile(shortKEK, []byte("short"), 0o600)
	for name, args := range map[string][]string{
		"no kid":       {"seal", "--signing-jwk-path", priv, "vault", "--resource-uri", "kbs:///a/b/c"},
		"bad uri":      {"seal", "--signing-kid", "k", "--signing-jwk-path", priv, "vault", "--resource-uri", "kbs:///a/../c"},
		"public key":   {"seal", "--signing-kid", "k", "--signing-jwk-path", filepath.Join(dir, "k1-public.json"), "vault", "--resource-uri", "kbs:///a/b/c"},
		"short kek":    {"seal", "--signing-kid", "k", "--signing-jwk-path", priv, "envelope", "--key-id", "kbs:///a/b/c", "--kek-file", shortKEK, "--file-path", shortKEK},
		"bad settings": {"seal", "--signing-kid", "k", "--signing-jwk-path", priv, "vault", "--resource-uri", "kbs:///a/b/c", "--provider-settings", "[]"},
	} {
		if _, err := cli(t, "", args...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHelp(t *testing.T) {
	out, err := cli(t, "", "--help")
	if err != nil || !strings.Contains(out, "keygen") || !strings.Contains(out, "A typical flow") {
		t.Fatalf("%q %v", out, err)
	}
}
