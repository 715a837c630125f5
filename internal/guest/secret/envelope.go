package secret

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

const gcmNonceSize = 12

// NewKBSEnvelope encrypts plaintext under a fresh data key, wraps the data
// key with kek (the 32-byte key stored in the KBS at keyID) and returns the
// envelope secret, provider "kbs", wrap type A256GCM.
func NewKBSEnvelope(keyID string, kek, plaintext []byte) (*Secret, error) {
	dek := make([]byte, KeySize)
	iv := make([]byte, gcmNonceSize)
	nonce := make([]byte, gcmNonceSize)
	for _, b := range [][]byte{dek, iv, nonce} {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
	}
	defer clear(dek)
	wrapped, err := Encrypt(A256GCM, kek, nonce, dek)
	if err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	data, err := Encrypt(A256GCM, dek, iv, plaintext)
	if err != nil {
		return nil, err
	}
	return &Secret{Version: Version, Envelope: &Envelope{
		KeyID:         keyID,
		EncryptedKey:  base64.StdEncoding.EncodeToString(append(nonce, wrapped...)),
		EncryptedData: base64.StdEncoding.EncodeToString(data),
		WrapType:      A256GCM,
		IV:            base64.StdEncoding.EncodeToString(iv),
		Provider:      ProviderKBS,
	}}, nil
}

// OpenKBSEnvelope decrypts an envelope of provider "kbs" with its KEK.
func OpenKBSEnvelope(e *Envelope, kek []byte) ([]byte, error) {
	wrapped, err := decodeStd("encrypted_key", e.EncryptedKey)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < gcmNonceSize {
		return nil, fmt.Errorf("%w: encrypted_key is shorter than its nonce", ErrMalformed)
	}
	dek, err := Decrypt(A256GCM, kek, wrapped[:gcmNonceSize], wrapped[gcmNonceSize:])
	if err != nil {
		return nil, fmt.Errorf("unwrap data key with the KEK at %q: %w", e.KeyID, err)
	}
	defer clear(dek)
	iv, err := decodeStd("iv", e.IV)
	if err != nil {
		return nil, err
	}
	data, err := decodeStd("encrypted_data", e.EncryptedData)
	if err != nil {
		return nil, err
	}
	return Decrypt(e.WrapType, dek, iv, data)
}

// decodeStd decodes padded standard base64 strictly, as Rust's STANDARD.
func decodeStd(field, s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not standard base64", ErrMalformed, field)
	}
	return b, nil
}
