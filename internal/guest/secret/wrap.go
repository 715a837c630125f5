package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
)

// WrapType is a symmetric scheme of guest-components' crypto crate.
type WrapType string

// The wrap types upstream knows. A256CTR is not authenticated; it is
// accepted for upstream's image keys and secrets, never produced by
// default.
const (
	A256GCM WrapType = "A256GCM"
	A256CTR WrapType = "A256CTR"
)

// KeySize is the AES-256 key length every wrap type uses.
const KeySize = 32

// IVSize is the IV length the wrap type needs.
func (w WrapType) IVSize() (int, error) {
	switch w {
	case A256GCM:
		return 12, nil
	case A256CTR:
		return aes.BlockSize, nil
	}
	return 0, fmt.Errorf("%w: unknown wrap type %q, want A256GCM or A256CTR", ErrMalformed, string(w))
}

// Decrypt decrypts data (ciphertext || tag for A256GCM) with a 32-byte key.
func Decrypt(w WrapType, key, iv, data []byte) ([]byte, error) {
	stream, aead, err := newCipher(w, key, iv)
	if err != nil {
		return nil, err
	}
	if aead != nil {
		plain, err := aead.Open(nil, iv, data, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrDecrypt, w, err)
		}
		return plain, nil
	}
	plain := make([]byte, len(data))
	stream.XORKeyStream(plain, data)
	return plain, nil
}

// Encrypt is the inverse of Decrypt; iv must be fresh for every key use.
func Encrypt(w WrapType, key, iv, plaintext []byte) ([]byte, error) {
	stream, aead, err := newCipher(w, key, iv)
	if err != nil {
		return nil, err
	}
	if aead != nil {
		return aead.Seal(nil, iv, plaintext, nil), nil
	}
	out := make([]byte, len(plaintext))
	stream.XORKeyStream(out, plaintext)
	return out, nil
}

func newCipher(w WrapType, key, iv []byte) (cipher.Stream, cipher.AEAD, error) {
	ivSize, err := w.IVSize()
	if err != nil {
		return nil, nil, err
	}
	if len(key) != KeySize {
		return nil, nil, fmt.Errorf("%w: key is %d bytes, want %d", ErrDecrypt, len(key), KeySize)
	}
	if len(iv) != ivSize {
		return nil, nil, fmt.Errorf("%w: %s IV is %d bytes, want %d", ErrMalformed, w, len(iv), ivSize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	if w == A256CTR {
		return cipher.NewCTR(block, iv), nil, nil
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return nil, aead, nil
}
