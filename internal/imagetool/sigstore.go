package imagetool

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"github.com/containers/image/v5/signature/sigstore"
	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// PEM types of an encrypted sigstore private key: containers/image and
// cosign releases write the COSIGN name, newer cosign the SIGSTORE one.
var sigstorePrivateKeyTypes = map[string]bool{
	"ENCRYPTED COSIGN PRIVATE KEY":   true,
	"ENCRYPTED SIGSTORE PRIVATE KEY": true,
}

// SigstoreKey is a sigstore (cosign) ECDSA P-256 signing key.
type SigstoreKey struct {
	key *ecdsa.PrivateKey
}

// GenerateSigstoreKey returns a new key pair as PEM: the private key
// encrypted with passphrase (cosign's format, which skopeo's
// --sign-by-sigstore-private-key reads) and the public key (what a
// sigstoreSigned policy's keyPath names).
func GenerateSigstoreKey(passphrase []byte) (privatePEM, publicPEM []byte, err error) {
	pair, err := sigstore.GenerateKeyPair(passphrase)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: generate sigstore key: %w", ErrSigning, err)
	}
	return pair.PrivateKey, pair.PublicKey, nil
}

// ParseSigstoreKey decrypts an encrypted sigstore private key PEM.
func ParseSigstoreKey(privatePEM, passphrase []byte) (*SigstoreKey, error) {
	block, _ := pem.Decode(privatePEM)
	if block == nil || !sigstorePrivateKeyTypes[block.Type] {
		return nil, fmt.Errorf("%w: not an encrypted sigstore private key PEM", ErrSigning)
	}
	der, err := encrypted.Decrypt(block.Bytes, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%w: decrypt the sigstore private key (wrong passphrase?): %w", ErrSigning, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: sigstore private key: %w", ErrSigning, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: sigstore private key is a %T; only ECDSA keys are supported", ErrSigning, parsed)
	}
	return &SigstoreKey{key: key}, nil
}

// Sign returns the base64 ASN.1 ECDSA signature of SHA-256(payload), the
// value of a cosign attachment's dev.cosignproject.cosign/signature.
func (k *SigstoreKey) Sign(payload []byte) (string, error) {
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, sum[:])
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSigning, err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}
