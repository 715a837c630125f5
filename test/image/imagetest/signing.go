package imagetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/opencontainers/go-digest"
)

// GPGKey is an Ed25519 signing key without passphrase in its own
// GNUPGHOME, removed (and its gpg-agent stopped) when the test ends.
type GPGKey struct {
	// Home is the GNUPGHOME holding the secret key.
	Home string
	// Fingerprint is skopeo's --sign-by value.
	Fingerprint string
	// PubringFile is the binary public keyring, what a signedBy
	// requirement's keyPath (keyType GPGKeys) names.
	PubringFile string
}

// Env is the test's environment with GNUPGHOME set to the key's home.
func (k *GPGKey) Env() []string { return append(os.Environ(), "GNUPGHOME="+k.Home) }

var fingerprintLine = regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40,64}):`)

// NewGPGKey generates a signing key. The home is a short path under
// os.TempDir: gpg-agent's socket path must fit in a sockaddr_un.
func NewGPGKey(t testing.TB) *GPGKey {
	t.Helper()
	RequireTools(t, "gpg")
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = run(context.Background(), nil, "gpgconf", "--homedir", home, "--kill", "all")
		_ = os.RemoveAll(home)
	})
	params := filepath.Join(home, "params")
	writeFile(t, params, []byte("%no-protection\nKey-Type: EDDSA\nKey-Curve: ed25519\nKey-Usage: sign\n"+
		"Name-Real: Cocoon image test\nName-Email: image-test@cocoon.invalid\nExpire-Date: 0\n%commit\n"))
	ctx := context.Background()
	if _, err := run(ctx, nil, "gpg", "--homedir", home, "--batch", "--gen-key", params); err != nil {
		t.Fatal(err)
	}
	out, err := run(ctx, nil, "gpg", "--homedir", home, "--batch", "--with-colons", "--list-secret-keys")
	if err != nil {
		t.Fatal(err)
	}
	m := fingerprintLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no fingerprint in gpg --list-secret-keys:\n%s", out)
	}
	k := &GPGKey{Home: home, Fingerprint: m[1], PubringFile: filepath.Join(home, "pubring.export.gpg")}
	if _, err := run(ctx, nil, "gpg", "--homedir", home, "--batch", "--output", k.PubringFile, "--export", k.Fingerprint); err != nil {
		t.Fatal(err)
	}
	return k
}

// RegistriesD is a registries.d directory for one registry: GPG
// signatures in a lookaside directory, sigstore signatures as registry
// attachments.
type RegistriesD struct {
	// Dir is skopeo's and cocoon-image's --registries.d.
	Dir string
	// Lookaside is the directory simple signatures are written to and
	// read from; the guest's sigstore_config names it as
	// "sigstore: file://<Lookaside>".
	Lookaside string
}

// WriteRegistriesD configures host's lookaside and sigstore attachments.
func WriteRegistriesD(t testing.TB, host string) *RegistriesD {
	t.Helper()
	r := &RegistriesD{Dir: t.TempDir(), Lookaside: t.TempDir()}
	writeFile(t, filepath.Join(r.Dir, "cocoon-test.yaml"), []byte(fmt.Sprintf(`docker:
  %s:
    lookaside: file://%s
    lookaside-staging: file://%s
    use-sigstore-attachments: true
`, host, r.Lookaside, r.Lookaside)))
	return r
}

// SignaturePath is where the lookaside holds signature n (1-based) of
// manifestDigest in repo (the repository path without the registry).
func (r *RegistriesD) SignaturePath(repo string, manifestDigest digest.Digest, n int) string {
	return filepath.Join(r.Lookaside, repo+"@"+manifestDigest.Algorithm().String()+"="+manifestDigest.Encoded(),
		fmt.Sprintf("signature-%d", n))
}

// SigstoreKey is a key pair from cocoon-image generate-sigstore-key.
type SigstoreKey struct {
	PrivateFile, PublicFile, PassphraseFile string
}

// NewSigstoreKey runs cocoon-image generate-sigstore-key with a passphrase.
func NewSigstoreKey(t testing.TB, cocoonImage string) *SigstoreKey {
	t.Helper()
	dir := t.TempDir()
	k := &SigstoreKey{PrivateFile: filepath.Join(dir, "key.private"), PublicFile: filepath.Join(dir, "key.pub"),
		PassphraseFile: filepath.Join(dir, "passphrase")}
	writeFile(t, k.PassphraseFile, []byte("correct horse battery staple\n"))
	CocoonImage(t, cocoonImage, nil, "generate-sigstore-key", "--output-prefix", filepath.Join(dir, "key"),
		"--passphrase-file", k.PassphraseFile)
	return k
}

// AttachmentRef is the docker:// name of the sigstore attachment image of
// manifestDigest in "docker://host/repo".
func AttachmentRef(repoRef string, manifestDigest digest.Digest) string {
	return repoRef + ":" + manifestDigest.Algorithm().String() + "-" + manifestDigest.Encoded() + ".sig"
}
