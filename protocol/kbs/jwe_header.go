package kbs

import (
	"encoding/base64"
	"errors"
	"fmt"
)

// protectedHeader is the JWE header as Trustee emits it.
type protectedHeader struct {
	alg, enc string
	// epk is the ephemeral public point 0x04 || X || Y on crv, nil for RSA.
	epk []byte
	crv ecCurve
}

// appendJSON appends the header as serde_json writes Trustee's: compact,
// alg and enc first (guest-components re-serialises the header as alg,
// enc, then the other members in received order, and uses that as the
// AAD), then the epk members in Trustee's order. alg, enc and crv are the
// package's constants and base64url needs no escaping, so no member needs
// the escaping json.Marshal would do.
func (h protectedHeader) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"alg":"`...)
	dst = append(dst, h.alg...)
	dst = append(dst, `","enc":"`...)
	dst = append(dst, h.enc...)
	if h.epk == nil {
		return append(dst, `"}`...)
	}
	size := h.crv.size
	dst = append(dst, `","epk":{"crv":"`...)
	dst = append(dst, h.crv.name...)
	dst = append(dst, `","kty":"`+ktyEC+`","x":"`...)
	dst = base64.RawURLEncoding.AppendEncode(dst, h.epk[1:1+size])
	dst = append(dst, `","y":"`...)
	dst = base64.RawURLEncoding.AppendEncode(dst, h.epk[1+size:])
	return append(dst, `"}}`...)
}

// receivedHeader holds the members of a received protected header that
// decryption reads, as slices of the decoded header.
type receivedHeader struct {
	alg, enc []byte
	epk      []byte // the raw JSON object, nil when absent
	apu, apv []byte
}

// headerMembers are the members parseProtectedHeader reads, in the order
// of its values array.
var headerMembers = []string{"alg", "enc", "epk", "apu", "apv", "zip", "crit"}

// parseProtectedHeader reads the decoded header as json.Unmarshal into a
// map[string]any would (exact member names, the last of a repeated one
// wins, unknown members ignored) and rejects members that would change
// the meaning of the JWE.
func parseProtectedHeader(raw []byte) (receivedHeader, error) {
	var h receivedHeader
	var values [7][]byte
	if err := scanMembers(raw, headerMembers, values[:]); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	alg, enc, epk, apu, apv, zip, crit := values[0], values[1], values[2], values[3], values[4], values[5], values[6]
	if zip != nil {
		return h, errors.New(`protected header: unsupported member "zip"`)
	}
	if crit != nil {
		return h, errors.New(`protected header: unsupported member "crit"`)
	}
	var err error
	if h.alg, err = stringValue(alg, "alg"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	if h.enc, err = stringValue(enc, "enc"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	if epk != nil && epk[0] != '{' {
		return h, errors.New("protected header: epk is not an object")
	}
	h.epk = epk
	if h.apu, err = optionalBytesValue(apu, "apu"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	if h.apv, err = optionalBytesValue(apv, "apv"); err != nil {
		return h, fmt.Errorf("protected header: %w", err)
	}
	return h, nil
}

// optionalBytesValue decodes an optional base64url string member.
func optionalBytesValue(raw []byte, member string) ([]byte, error) {
	if raw == nil {
		return nil, nil
	}
	s, err := stringValue(raw, member)
	if err != nil {
		return nil, err
	}
	return decodeB64URL(member, s)
}
