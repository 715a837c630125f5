package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	guestimage "github.com/cocoon-cc/cocoon/internal/guest/image"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// signedImages is one registry holding the test image signed with GPG
// simple signing by Debian's skopeo (lookaside) and with a sigstore key
// by cocoon-image (attachment), and an unsigned image.
type signedImages struct {
	reg                  *imagetest.Registry
	regD                 *imagetest.RegistriesD
	gpg, otherGPG        *imagetest.GPGKey
	sigstore, otherSigst *imagetest.SigstoreKey
	img                  *imagetest.Image
	gpgRef, sigstoreRef  string
	unsignedRef          string
}

func newSignedImages(t *testing.T) *signedImages {
	t.Helper()
	s := &signedImages{reg: imagetest.StartRegistry(t), gpg: imagetest.NewGPGKey(t), otherGPG: imagetest.NewGPGKey(t),
		sigstore: imagetest.NewSigstoreKey(t, bin["cocoon-image"]), otherSigst: imagetest.NewSigstoreKey(t, bin["cocoon-image"]),
		img: testImage(t)}
	s.regD = imagetest.WriteRegistriesD(t, s.reg.Host)
	s.gpgRef, s.sigstoreRef = s.reg.Ref("app", "gpg"), s.reg.Ref("app", "sigstore")
	skopeo := &imagetest.Skopeo{RegistriesD: s.regD.Dir, Env: s.gpg.Env()}
	if err := skopeo.Copy(context.Background(), s.img.Ref, s.gpgRef, "--sign-by", s.gpg.Fingerprint); err != nil {
		t.Fatal(err)
	}
	imagetest.CocoonImage(t, bin["cocoon-image"], nil, "copy", "--dest-tls-verify=false",
		"--sign-by-sigstore-private-key", s.sigstore.PrivateFile, "--sign-passphrase-file", s.sigstore.PassphraseFile,
		s.img.Ref, s.sigstoreRef)
	unsigned := imagetest.BuildImage(t, imagetest.DataLayer(map[string][]byte{"data/unsigned": []byte("nobody signed me")}))
	s.unsignedRef = imagetest.NewSkopeo(t).Push(t, unsigned, s.reg.Ref("app", "unsigned"))
	return s
}

// policyFor is a policy that rejects all but the app repository, which
// must satisfy req.
func (s *signedImages) policyFor(t *testing.T, req map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"default":    []any{map[string]any{"type": "reject"}},
		"transports": map[string]any{"docker": map[string]any{s.reg.Host + "/app": []any{req}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (s *signedImages) sigstoreConfig() string {
	return fmt.Sprintf("docker:\n  %s/app:\n    sigstore: file://%s\n", s.reg.Host, s.regD.Lookaside)
}

// Signed images pass a policy naming their key; another key or no
// signature is rejected before any layer is fetched or unpacked.
func TestPullSignaturePolicy(t *testing.T) {
	s := newSignedImages(t)
	cases := []struct {
		name, ref string
		req       map[string]any
		accept    bool
	}{
		{"gpg signed", s.gpgRef, gpgRequirement(s.gpg.PubringFile), true},
		{"gpg wrong key", s.gpgRef, gpgRequirement(s.otherGPG.PubringFile), false},
		{"gpg unsigned", s.unsignedRef, gpgRequirement(s.gpg.PubringFile), false},
		{"gpg identity", s.gpgRef, withIdentity(gpgRequirement(s.gpg.PubringFile), map[string]any{"type": "exactReference", "dockerReference": s.reg.Host + "/app:other"}), false},
		{"sigstore signed", s.sigstoreRef, cosignRequirement(s.sigstore.PublicFile), true},
		{"sigstore wrong key", s.sigstoreRef, cosignRequirement(s.otherSigst.PublicFile), false},
		{"sigstore unsigned", s.unsignedRef, cosignRequirement(s.sigstore.PublicFile), false},
		{"reject", s.gpgRef, map[string]any{"type": "reject"}, false},
		{"insecureAcceptAnything", s.unsignedRef, map[string]any{"type": "insecureAcceptAnything"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			p := newPuller(t, s.reg, guestimage.Config{WorkDir: work, Policy: s.policyFor(t, c.req), SigstoreConfig: s.sigstoreConfig()}, guestimage.Options{})
			bundle := filepath.Join(t.TempDir(), "bundle")
			_, err := p.Pull(context.Background(), imageName(c.ref), bundle)
			if c.accept {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, guestimage.ErrRejected) {
				t.Fatalf("got %v, want a policy rejection", err)
			}
			t.Logf("refused: %v", err)
			checkNothingUnpacked(t, bundle)
			if layers, _ := os.ReadDir(filepath.Join(work, "layers")); len(layers) != 0 {
				t.Errorf("a rejected image had %d layers fetched", len(layers))
			}
		})
	}
}

// The policy and the keys come from Trustee as kbs:/// resources, as a
// guest configures them.
func TestPullSignaturePolicyFromKBS(t *testing.T) {
	s := newSignedImages(t)
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	gpgKey, err := os.ReadFile(s.gpg.PubringFile)
	if err != nil {
		t.Fatal(err)
	}
	cosignKey, err := os.ReadFile(s.sigstore.PublicFile)
	if err != nil {
		t.Fatal(err)
	}
	tr.SetResource(t, "default/gpg-public-key/test", gpgKey)
	tr.SetResource(t, "default/cosign-public-key/test", cosignKey)
	policy, _ := json.Marshal(map[string]any{
		"default": []any{map[string]any{"type": "reject"}},
		"transports": map[string]any{"docker": map[string]any{
			s.reg.Host + "/app:gpg":      []any{gpgRequirement("kbs:///default/gpg-public-key/test")},
			s.reg.Host + "/app:sigstore": []any{cosignRequirement("kbs:///default/cosign-public-key/test")},
		}},
	})
	tr.SetResource(t, "default/security-policy/test", policy)
	resources, err := cdh.NewKBS(tr.URL, "", &sampleTokens{client: tr.Client(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newPuller(t, s.reg, guestimage.Config{PolicyURI: "kbs:///default/security-policy/test", SigstoreConfig: s.sigstoreConfig()},
		guestimage.Options{Resources: resources})
	for _, ref := range []string{s.gpgRef, s.sigstoreRef} {
		bundle := t.TempDir()
		if _, err := p.Pull(context.Background(), imageName(ref), bundle); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		checkRootfs(t, bundle, s.img)
	}
	if _, err := p.Pull(context.Background(), imageName(s.unsignedRef), t.TempDir()); !errors.Is(err, guestimage.ErrRejected) {
		t.Fatalf("unsigned image under the default reject: %v", err)
	}
}

func withIdentity(req map[string]any, id map[string]any) map[string]any {
	req["signedIdentity"] = id
	return req
}

func cosignRequirement(publicKey string) map[string]any {
	return map[string]any{"type": "sigstoreSigned", "keyPath": publicKey}
}
