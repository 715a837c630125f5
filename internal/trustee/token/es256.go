package token

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unsafe"

	jose "github.com/go-jose/go-jose/v4"
)

// es256Signer signs compact JWS exactly as go-jose's ES256 signer does, but
// with the protected header encoded once: it never changes, and encoding it
// (the JWK with its certificate chain) on every token cost as much as
// encoding the claims.
type es256Signer struct {
	key    *ecdsa.PrivateKey
	header string // base64url protected header, as go-jose writes it
}

// newES256Signer takes the header go-jose writes for these options from one
// signature, so the tokens stay byte for byte what go-jose would issue.
func newES256Signer(key *ecdsa.PrivateKey, opts *jose.SignerOptions) (*es256Signer, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		return nil, err
	}
	jws, err := signer.Sign([]byte("{}"))
	if err != nil {
		return nil, err
	}
	compact, err := jws.CompactSerialize()
	if err != nil {
		return nil, err
	}
	header, _, _ := strings.Cut(compact, ".")
	return &es256Signer{key: key, header: header}, nil
}

// sign returns header.payload.signature, the signature being r || s, built
// in one buffer of its final size. The string shares that buffer, as
// strings.Builder's does, for nothing writes to it afterwards: copying the
// token was about a quarter of what Issue allocated outside ECDSA.
func (s *es256Signer) sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(s.header)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(2*es256Size))
	out = append(out, s.header...)
	out = append(out, '.')
	out = enc.AppendEncode(out, payload)
	digest := sha256.Sum256(out)
	der, err := ecdsa.SignASN1(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("ES256: %w", err)
	}
	sig, err := jwsES256Signature(der)
	if err != nil {
		return "", fmt.Errorf("ES256: %w", err)
	}
	out = append(out, '.')
	out = enc.AppendEncode(out, sig[:])
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}
