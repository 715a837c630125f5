package kbs

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Decrypt opens a resource JWE sealed to k. The header's alg must be the
// key's own algorithm (no downgrade to RSA1_5 for an OAEP key), enc must be
// A256GCM, and the AAD is the received protected string (plus "." and the
// aad member when one is present, per RFC 7516).
func (k *TeeKeyPair) Decrypt(r *Response) ([]byte, error) {
	if k == nil || r == nil {
		return nil, fmt.Errorf("%w: no key or no response", ErrDecrypt)
	}
	buf := newJWEBuffer(r, k.curve.pointSize())
	raw, err := buf.decode("protected", r.Protected)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	header, err := parseProtectedHeader(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	if string(header.alg) != k.alg {
		return nil, fmt.Errorf("%w: alg %q does not match the TEE key's %q", ErrDecrypt, header.alg, k.alg)
	}
	if string(header.enc) != EncA256GCM {
		return nil, fmt.Errorf("%w: unsupported enc %q", ErrDecrypt, header.enc)
	}
	parts, err := buf.decodeParts(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	cek, err := k.unwrapCEK(header, parts.encryptedKey, &buf)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	gcm, err := newGCM(cek[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	// Opened in place: the plaintext takes the ciphertext's bytes.
	plaintext, err := gcm.Open(parts.sealed[:0], parts.iv, parts.sealed, parts.aad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return plaintext, nil
}

// unwrapCEK recovers the 32-byte content key for the header's algorithm,
// already checked to be k.alg.
func (k *TeeKeyPair) unwrapCEK(h receivedHeader, encryptedKey []byte, buf *jweBuffer) ([cekSize]byte, error) {
	var cek [cekSize]byte
	switch k.alg {
	case AlgECDHESA256KW:
		epk, err := k.peerKey(h.epk, buf.take(k.curve.pointSize()))
		if err != nil {
			return cek, err
		}
		z, err := k.ecdh.ECDH(epk)
		if err != nil {
			return cek, err
		}
		kek := deriveKEK(z, h.apu, h.apv)
		return cek, aesKeyUnwrap(&cek, kek[:], encryptedKey)
	case AlgRSAOAEP256:
		unwrapped, err := rsa.DecryptOAEP(sha256.New(), nil, k.rsa, encryptedKey, nil)
		if err != nil {
			return cek, err
		}
		if len(unwrapped) != cekSize {
			return cek, fmt.Errorf("content key is %d bytes, want %d", len(unwrapped), cekSize)
		}
		copy(cek[:], unwrapped)
		return cek, nil
	case AlgRSA15:
		// A random CEK on bad padding (RFC 7516 §11.5): the failure then
		// surfaces as a GCM tag mismatch, not as a padding oracle.
		unwrapped := make([]byte, cekSize)
		if _, err := rand.Read(unwrapped); err != nil {
			return cek, err
		}
		if err := rsa.DecryptPKCS1v15SessionKey(nil, k.rsa, encryptedKey, unwrapped); err != nil { //nolint:staticcheck // only for keys loaded as RSA1_5
			return cek, err
		}
		copy(cek[:], unwrapped)
		return cek, nil
	}
	return cek, fmt.Errorf("unsupported alg %q", k.alg)
}

// epkMembers are the members of epk peerKey reads, in the order of its
// values array.
var epkMembers = []string{"kty", "crv", "x", "y"}

// peerKey validates the sender's ephemeral key, the raw epk object of the
// header: an EC point on our own curve, decoded into point.
func (k *TeeKeyPair) peerKey(epk, point []byte) (*ecdh.PublicKey, error) {
	if epk == nil {
		return nil, errors.New("protected header: missing epk")
	}
	var values [4][]byte
	if err := scanMembers(epk, epkMembers, values[:]); err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	kty, err := stringValue(values[0], "kty")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	if string(kty) != ktyEC {
		return nil, fmt.Errorf("epk: kty %q, want %q", kty, ktyEC)
	}
	crv, err := stringValue(values[1], "crv")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	if string(crv) != k.curve.name {
		return nil, fmt.Errorf("epk: curve %q does not match the TEE key's %q", crv, k.curve.name)
	}
	x, err := stringValue(values[2], "x")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	y, err := stringValue(values[3], "y")
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	pub, err := parseECDHPoint(point, k.curve, x, y)
	if err != nil {
		return nil, fmt.Errorf("epk: %w", err)
	}
	return pub, nil
}
