package imagetool

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
)

func generateKey(t testing.TB, passphrase string) []byte {
	t.Helper()
	priv, _, err := GenerateSigstoreKey([]byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func TestSigstoreKeySignsVerifiably(t *testing.T) {
	priv, pubPEM, err := GenerateSigstoreKey([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSigstoreKey(priv, []byte("wrong")); !errors.Is(err, ErrSigning) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	key, err := ParseSigstoreKey(priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"critical":{}}`)
	sig, err := key.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pubPEM)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(sig)
	sum := sha256.Sum256(payload)
	if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), sum[:], der) {
		t.Fatal("signature does not verify with the generated public key")
	}
}

func FuzzParseSigstoreKey(f *testing.F) {
	f.Add(generateKey(f, "pw"), []byte("pw"))
	f.Add([]byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\ne30=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), []byte(""))
	f.Fuzz(func(t *testing.T, pemBytes, passphrase []byte) {
		if k, err := ParseSigstoreKey(pemBytes, passphrase); err == nil && k.key == nil {
			t.Fatal("nil key without error")
		}
	})
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"docker://127.0.0.1:5000/a/b:c", "oci:/tmp/x:tag", "dir:/tmp/y", "docker:", "oci:", "x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ref, err := ParseReference(s); err == nil && ref == nil {
			t.Fatal("nil reference without error")
		}
	})
}
