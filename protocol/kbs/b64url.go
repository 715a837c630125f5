package kbs

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// b64URLStrict is built once: Strict() returns a fresh copy of the whole
// Encoding (with its decode map) on every call.
var b64URLStrict = base64.RawURLEncoding.Strict()

// decodeB64URL decodes unpadded base64url strictly, as Rust's
// URL_SAFE_NO_PAD does: no padding, no line breaks, no stray trailing bits.
func decodeB64URL[T string | []byte](field string, s T) ([]byte, error) {
	b := make([]byte, b64URLStrict.DecodedLen(len(s)))
	n, err := decodeB64URLTo(b, field, s)
	return b[:n], err
}

// decodeB64URLTo is decodeB64URL into dst, which must hold
// DecodedLen(len(s)) bytes, so that callers can decode several members into
// one buffer.
func decodeB64URLTo[T string | []byte](dst []byte, field string, s T) (int, error) {
	// Go's decoder skips CR and LF; Rust's refuses them.
	if hasLineBreak(s) {
		return 0, fmt.Errorf("%s: line breaks in base64url", field)
	}
	n, err := b64URLStrict.Decode(dst, []byte(s))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", field, err)
	}
	return n, nil
}

func hasLineBreak[T string | []byte](s T) bool {
	for i := range len(s) {
		if s[i] == '\r' || s[i] == '\n' {
			return true
		}
	}
	return false
}

// writeB64URL appends the unpadded base64url of src to sb through a stack
// buffer, so the response strings share one allocation.
func writeB64URL(sb *strings.Builder, src []byte) {
	const chunk = 3 * 64 // whole quanta: no padding until the last chunk
	var buf [4 * 64]byte
	for len(src) > 0 {
		n := min(len(src), chunk)
		base64.RawURLEncoding.Encode(buf[:], src[:n])
		sb.Write(buf[:base64.RawURLEncoding.EncodedLen(n)])
		src = src[n:]
	}
}
