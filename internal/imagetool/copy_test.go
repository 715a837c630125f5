package imagetool

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/ocicrypt"
	encconfig "github.com/containers/ocicrypt/config"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

func dataImage(t testing.TB, size int) *imagetest.Image {
	return imagetest.BuildImage(t, imagetest.DataLayer(map[string][]byte{"etc/motd": []byte("hi\n")}),
		imagetest.Layer{{Name: "blob", Mode: 0o644, RandomSize: int64(size)}})
}

// readLayout returns the manifest an OCI layout's index names first.
func readLayout(t testing.TB, dir string) (imgspecv1.Manifest, digest.Digest) {
	t.Helper()
	var index imgspecv1.Index
	readJSON(t, filepath.Join(dir, "index.json"), &index)
	d := index.Manifests[0].Digest
	var m imgspecv1.Manifest
	readJSON(t, filepath.Join(dir, "blobs", "sha256", d.Encoded()), &m)
	return m, d
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// jweRecipient makes an RSA key pair; ocicrypt encrypts to the public
// key and the test decrypts with the private one.
func jweRecipient(t testing.TB) (pubFile string, dc *encconfig.DecryptConfig) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	privDER, _ := x509.MarshalPKCS8PrivateKey(key)
	pubFile = filepath.Join(t.TempDir(), "pub.pem")
	if err := os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cc, err := encconfig.DecryptWithPrivKeys([][]byte{pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})}, [][]byte{nil})
	if err != nil {
		t.Fatal(err)
	}
	return pubFile, cc.DecryptConfig
}

// Every layer is encrypted with ocicrypt and decrypts back to the source
// blob; the manifest is OCI with +encrypted media types.
func TestCopyEncryptsLayers(t *testing.T) {
	t.Setenv("OCICRYPT_KEYPROVIDER_CONFIG", "")
	img := dataImage(t, 1<<20)
	pubFile, dc := jweRecipient(t)
	ec, err := EncryptConfig([]string{"jwe:" + pubFile})
	if err != nil {
		t.Fatal(err)
	}
	destDir := t.TempDir()
	var progress bytes.Buffer
	res, err := Copy(context.Background(), img.Ref, "oci:"+destDir+":enc", Options{Encrypt: ec, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	m, d := readLayout(t, destDir)
	if d != res.ManifestDigest || len(m.Layers) != len(img.Layers) {
		t.Fatalf("layout manifest %s with %d layers, copy said %s", d, len(m.Layers), res.ManifestDigest)
	}
	for i, layer := range m.Layers {
		if layer.MediaType != imgspecv1.MediaTypeImageLayerGzip+"+encrypted" {
			t.Errorf("layer %d media type %s", i, layer.MediaType)
		}
		enc, err := os.Open(filepath.Join(destDir, "blobs", "sha256", layer.Digest.Encoded()))
		if err != nil {
			t.Fatal(err)
		}
		plain, _, err := ocicrypt.DecryptLayer(dc, enc, layer, false)
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		got, err := io.ReadAll(plain)
		_ = enc.Close()
		if err != nil || digest.FromBytes(got) != img.Layers[i] {
			t.Errorf("layer %d decrypts to %s (%v), want the source blob %s", i, digest.FromBytes(got), err, img.Layers[i])
		}
	}
	if !strings.Contains(progress.String(), "Encrypting blob") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

// A copy without changes keeps the manifest bytes, hence its digest
// (and any signature of it).
func TestCopyKeepsManifestDigest(t *testing.T) {
	img := dataImage(t, 1024)
	res, err := Copy(context.Background(), img.Ref, "dir:"+t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ManifestDigest != img.ManifestDigest {
		t.Errorf("copy manifest %s, source %s", res.ManifestDigest, img.ManifestDigest)
	}
}

// A source blob whose bytes do not match its digest is not copied.
func TestCopyRejectsCorruptedBlob(t *testing.T) {
	img := dataImage(t, 1024)
	blob := filepath.Join(img.Dir, "blobs", "sha256", img.Layers[1].Encoded())
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Copy(context.Background(), img.Ref, "oci:"+t.TempDir()+":x", Options{})
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("err = %v, want ErrDigestMismatch", err)
	}
}

func TestEncryptConfigNeedsConfiguredProvider(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "ocicrypt.conf")
	if err := os.WriteFile(conf, []byte(`{"key-providers":{"other":{"grpc":"127.0.0.1:1"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"", conf} {
		t.Setenv("OCICRYPT_KEYPROVIDER_CONFIG", env)
		_, err := EncryptConfig([]string{"provider:attestation-agent:keyid=kbs:///a/b/c"})
		if !errors.Is(err, ErrEncryption) || !strings.Contains(err.Error(), "OCICRYPT_KEYPROVIDER_CONFIG") {
			t.Errorf("config %q: err = %v, want one naming OCICRYPT_KEYPROVIDER_CONFIG", env, err)
		}
	}
}

func TestCopyRefusals(t *testing.T) {
	img := dataImage(t, 16)
	key, err := ParseSigstoreKey(generateKey(t, "pw"), []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		src, dest string
		opts      Options
		want      error
	}{
		"transport":       {"docker-daemon:x:1", "dir:/tmp/x", Options{}, ErrReference},
		"no transport":    {img.Dir, "dir:/tmp/x", Options{}, ErrReference},
		"sigstore to oci": {img.Ref, "oci:" + t.TempDir() + ":x", Options{SigstoreKey: key}, ErrSigning},
		"gpg to dir":      {img.Ref, "dir:" + t.TempDir(), Options{GPGSigner: &GPGSigner{Fingerprint: "AB"}}, ErrSigning},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Copy(context.Background(), c.src, c.dest, c.opts); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}
