package kbs

import "fmt"

// jweBuffer hands out the pieces of one allocation that holds every
// decoded member of a received JWE and its AAD.
type jweBuffer struct {
	free []byte
}

// newJWEBuffer sizes the buffer for r: each base64url member decoded, the
// AAD as it is written, and extra bytes for the caller.
func newJWEBuffer(r *Response, extra int) jweBuffer {
	size := extra + len(r.Protected) + 1 + len(r.AAD)
	for _, member := range [...]string{r.Protected, r.EncryptedKey, r.IV, r.Ciphertext, r.Tag, r.AAD} {
		size += b64URLStrict.DecodedLen(len(member))
	}
	return jweBuffer{free: make([]byte, size)}
}

// take returns the next n bytes, capped so that appends cannot spill into
// the next piece.
func (b *jweBuffer) take(n int) []byte {
	p := b.free[:n:n]
	b.free = b.free[n:]
	return p
}

// decode decodes a base64url member into the buffer.
func (b *jweBuffer) decode(field, s string) ([]byte, error) {
	p := b.take(b64URLStrict.DecodedLen(len(s)))
	n, err := decodeB64URLTo(p, field, s)
	return p[:n], err
}

// receivedParts are the decoded binary members of a Response and its AAD.
type receivedParts struct {
	encryptedKey, iv, sealed, aad []byte
}

func (b *jweBuffer) decodeParts(r *Response) (receivedParts, error) {
	var p receivedParts
	var err error
	if p.encryptedKey, err = b.decode("encrypted_key", r.EncryptedKey); err != nil {
		return p, err
	}
	if p.iv, err = b.decode("iv", r.IV); err != nil {
		return p, err
	}
	// Ciphertext and tag share one piece, adjacent as GCM opens them.
	sealed := b.take(b64URLStrict.DecodedLen(len(r.Ciphertext)) + b64URLStrict.DecodedLen(len(r.Tag)))
	ciphertextLen, err := decodeB64URLTo(sealed, "ciphertext", r.Ciphertext)
	if err != nil {
		return p, err
	}
	tagLen, err := decodeB64URLTo(sealed[ciphertextLen:], "tag", r.Tag)
	if err != nil {
		return p, err
	}
	p.sealed = sealed[:ciphertextLen+tagLen]
	if r.AAD != "" {
		if _, err := b.decode("aad", r.AAD); err != nil {
			return p, err
		}
	}
	if len(p.iv) != ivSize {
		return p, fmt.Errorf("iv is %d bytes, want %d", len(p.iv), ivSize)
	}
	if tagLen != tagSize {
		return p, fmt.Errorf("tag is %d bytes, want %d", tagLen, tagSize)
	}
	p.aad = append(b.take(len(r.Protected) + 1 + len(r.AAD))[:0], r.Protected...)
	if r.AAD != "" {
		p.aad = append(append(p.aad, '.'), r.AAD...)
	}
	return p, nil
}
