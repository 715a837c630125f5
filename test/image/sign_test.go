package image

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// policy writes a containers-policy.json that rejects everything but
// docker images of repo, which must satisfy requirement.
func policy(t *testing.T, repo string, requirement map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"default":    []any{map[string]any{"type": "reject"}},
		"transports": map[string]any{"docker": map[string]any{repo: []any{requirement}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func gpgRequirement(pubring string) map[string]any {
	return map[string]any{"type": "signedBy", "keyType": "GPGKeys", "keyPath": pubring}
}

// verifyWithSkopeo pulls ref with Debian skopeo under policyPath; skopeo's
// own containers/image checks the signature.
func verifyWithSkopeo(t *testing.T, regD *imagetest.RegistriesD, policyPath, ref string) error {
	t.Helper()
	s := &imagetest.Skopeo{RegistriesD: regD.Dir, PolicyPath: policyPath}
	return s.Copy(context.Background(), ref, "dir:"+filepath.Join(t.TempDir(), "pulled"))
}

// Debian's skopeo is built with sigstore disabled ("Debian-local change:
// sigstore disabled"), so it can neither make nor check sigstore
// signatures: this pins that fact, which is why cocoon-image signs them.
func TestDebianSkopeoHasNoSigstore(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	key := imagetest.NewSigstoreKey(t, bin["cocoon-image"])
	err := imagetest.NewSkopeo(t).Copy(context.Background(), testImage(t).Ref, reg.Ref("app", "sigstore"),
		"--sign-by-sigstore-private-key", key.PrivateFile, "--sign-passphrase-file", key.PassphraseFile)
	if err == nil || !strings.Contains(err.Error(), "sigstore disabled") {
		t.Fatalf("Debian skopeo signing with sigstore: %v; if it now works, verify cocoon-image's signatures with it", err)
	}
}

// Debian's skopeo signs with GPG simple signing into the lookaside.
func TestSkopeoGPGSignature(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	regD := imagetest.WriteRegistriesD(t, reg.Host)
	key := imagetest.NewGPGKey(t)
	img := testImage(t)
	signed := reg.Ref("app", "gpg")
	s := &imagetest.Skopeo{RegistriesD: regD.Dir, Env: key.Env()}
	if err := s.Copy(context.Background(), img.Ref, signed, "--sign-by", key.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(regD.SignaturePath("app", img.ManifestDigest, 1)); err != nil {
		t.Fatalf("no lookaside signature: %v", err)
	}
	repo := reg.Host + "/app"
	if err := verifyWithSkopeo(t, regD, policy(t, repo, gpgRequirement(key.PubringFile)), signed); err != nil {
		t.Errorf("skopeo refuses its own GPG signature: %v", err)
	}
	if err := verifyWithSkopeo(t, regD, policy(t, repo, gpgRequirement(imagetest.NewGPGKey(t).PubringFile)), signed); err == nil {
		t.Error("skopeo accepted the GPG signature under another key")
	}
}

// cocoon-image encrypts and signs in one copy, both ways; Debian skopeo
// verifies both signatures of the encrypted image, and an unsigned copy
// is rejected.
func TestCocoonImageEncryptsAndSigns(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	regD := imagetest.WriteRegistriesD(t, reg.Host)
	skopeo := imagetest.NewSkopeo(t)
	img := testImage(t)
	plain := skopeo.Push(t, img, reg.Ref("app", "plain"))
	tr := imagetest.StartTrustee(t, bin["trustee"], true)
	kp := imagetest.StartKeyProvider(t, bin["coco-keyprovider"], tr)
	sigKey := imagetest.NewSigstoreKey(t, bin["cocoon-image"])
	gpgKey := imagetest.NewGPGKey(t)

	signed := reg.Ref("app", "encrypted-signed")
	env := append(kp.Env(), "GNUPGHOME="+gpgKey.Home)
	out := imagetest.CocoonImage(t, bin["cocoon-image"], env, "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
		"--registries.d", regD.Dir,
		"--encryption-key", "provider:attestation-agent:keyid=kbs:///default/key/signed::algorithm=A256GCM",
		"--sign-by-sigstore-private-key", sigKey.PrivateFile, "--sign-passphrase-file", sigKey.PassphraseFile,
		"--sign-by", gpgKey.Fingerprint, plain, signed)
	manifestDigest := digest.Digest(strings.TrimSpace(out))

	_, m := skopeo.InspectRaw(t, signed)
	for i, layer := range m.Layers {
		if layer.MediaType != encryptedGzip || layer.Annotations[packetAnnotation] == "" {
			t.Errorf("layer %d: %s without packet", i, layer.MediaType)
		}
	}
	pub, err := os.ReadFile(sigKey.PublicFile)
	if err != nil {
		t.Fatal(err)
	}
	sigs := skopeo.SigstoreSignatures(t, "docker://"+reg.Host+"/app", manifestDigest)
	if len(sigs) != 1 {
		t.Fatalf("%d sigstore signatures attached, want 1", len(sigs))
	}
	if err := sigs[0].Verify(pub, manifestDigest, reg.Host+"/app:encrypted-signed"); err != nil {
		t.Errorf("cocoon-image's sigstore signature: %v", err)
	}
	if _, err := os.Stat(regD.SignaturePath("app", manifestDigest, 1)); err != nil {
		t.Errorf("no lookaside GPG signature: %v", err)
	}
	repo := reg.Host + "/app"
	if err := verifyWithSkopeo(t, regD, policy(t, repo, gpgRequirement(gpgKey.PubringFile)), signed); err != nil {
		t.Errorf("skopeo refuses cocoon-image's GPG signature: %v", err)
	}
	if err := verifyWithSkopeo(t, regD, policy(t, repo, gpgRequirement(gpgKey.PubringFile)), plain); err == nil {
		t.Error("skopeo accepted the unsigned image under a signedBy policy")
	}

	// A second signature joins the first in the attachment.
	second := imagetest.NewSigstoreKey(t, bin["cocoon-image"])
	imagetest.CocoonImage(t, bin["cocoon-image"], nil, "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
		"--sign-by-sigstore-private-key", second.PrivateFile, "--sign-passphrase-file", second.PassphraseFile, signed, signed)
	sigs = skopeo.SigstoreSignatures(t, "docker://"+repo, manifestDigest)
	if len(sigs) != 2 || sigs[0].Verify(pub, manifestDigest, reg.Host+"/app:encrypted-signed") != nil {
		t.Errorf("after a second signing the attachment holds %d signatures, want the first one kept and a second", len(sigs))
	}
	if err := sigs[len(sigs)-1].Verify(pub, manifestDigest, reg.Host+"/app:encrypted-signed"); err == nil {
		t.Error("the second signature verifies with the first key")
	}
}
