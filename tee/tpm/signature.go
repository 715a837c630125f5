package tpm

import (
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
)

var (
	// ErrMalformedSignature means the quote signature is not a TPMT_SIGNATURE
	// of a scheme this verifier knows.
	ErrMalformedSignature = errors.New("tpm: malformed TPMT_SIGNATURE")
	// ErrBadSignature means the quote is not signed by the AK.
	ErrBadSignature = errors.New("tpm: quote signature does not verify with the AK")
)

// Signature schemes (TPM_ALG_ID) of an RSA attestation key.
const (
	algRSASSA = 0x0014
	algRSAPSS = 0x0016
)

// Signature is a TPMT_SIGNATURE by an RSA key.
type Signature struct {
	// Scheme is TPM_ALG_RSASSA (PKCS#1 v1.5) or TPM_ALG_RSAPSS.
	Scheme uint16
	// Hash is the TPM_ALG_ID of the digest that was signed.
	Hash uint16
	// Value is the raw RSA signature.
	Value []byte
}

// ParseSignature decodes a marshalled TPMT_SIGNATURE with an RSASSA or
// RSAPSS scheme; the TPM attester upstream writes RSASSA with SHA-256.
func ParseSignature(b []byte) (*Signature, error) {
	r := &reader{b: b}
	var s Signature
	var err error
	if s.Scheme, err = r.u16(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	if s.Scheme != algRSASSA && s.Scheme != algRSAPSS {
		return nil, fmt.Errorf("%w: scheme %#x, want RSASSA or RSAPSS", ErrMalformedSignature, s.Scheme)
	}
	if s.Hash, err = r.u16(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	if s.Value, err = r.sized(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformedSignature, len(r.b))
	}
	if _, err := hashOf(s.Hash); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	return &s, nil
}

// Verify checks that s signs message with key, in s's scheme.
func (s *Signature) Verify(key *rsa.PublicKey, message []byte) error {
	h, err := hashOf(s.Hash)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	hasher := h.New()
	hasher.Write(message)
	digest := hasher.Sum(nil)
	switch s.Scheme {
	case algRSASSA:
		err = rsa.VerifyPKCS1v15(key, h, digest, s.Value)
	case algRSAPSS:
		// TPMs differ on the salt length (digest size or maximum).
		err = rsa.VerifyPSS(key, h, digest, s.Value, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	default:
		return fmt.Errorf("%w: scheme %#x", ErrMalformedSignature, s.Scheme)
	}
	if err != nil {
		return ErrBadSignature
	}
	return nil
}

func hashOf(alg uint16) (crypto.Hash, error) {
	switch alg {
	case algSHA256:
		return crypto.SHA256, nil
	case algSHA384:
		return crypto.SHA384, nil
	case algSHA512:
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("hash algorithm %#x is not SHA-256, SHA-384 or SHA-512", alg)
}
