package azure

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/cocoon-cc/cocoon/tee/snp"
)

// The decoders below read upstream's serde encodings of one JSON value;
// field names the value in errors.

// object decodes a JSON object into its members.
func object(raw json.RawMessage, field string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformedEvidence, field)
	}
	return m, nil
}

// member returns a required member, refusing it when absent or null as
// serde does for a non-optional field.
func member(m map[string]json.RawMessage, name string) (json.RawMessage, error) {
	raw, ok := m[name]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, fmt.Errorf("%w: missing %s", ErrMalformedEvidence, name)
	}
	return raw, nil
}

// array decodes a JSON array into its elements.
func array(raw json.RawMessage, field string) ([]json.RawMessage, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil || elems == nil {
		return nil, fmt.Errorf("%w: %s is not an array", ErrMalformedEvidence, field)
	}
	return elems, nil
}

// str decodes a JSON string; encoding/json would take null for "".
func str(raw json.RawMessage, field string) (string, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
		return "", fmt.Errorf("%w: %s is not a string", ErrMalformedEvidence, field)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrMalformedEvidence, field, err)
	}
	return s, nil
}

// hexBytes decodes a hex string (serde_with's Hex: either case).
func hexBytes(raw json.RawMessage, field string) ([]byte, error) {
	s, err := str(raw, field)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not hex: %w", ErrMalformedEvidence, field, err)
	}
	return b, nil
}

// base64URLBytes decodes URL-safe base64, padded as upstream's attester
// writes it or unpadded. Go's decoder would skip newlines and stray
// trailing bits; neither is accepted.
func base64URLBytes(raw json.RawMessage, field string) ([]byte, error) {
	s, err := str(raw, field)
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	if len(s)%4 == 0 && len(s) > 0 && s[len(s)-1] == '=' {
		enc = base64.URLEncoding
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil || bytes.ContainsAny([]byte(s), "\r\n") {
		return nil, fmt.Errorf("%w: %s is not URL-safe base64", ErrMalformedEvidence, field)
	}
	return b, nil
}

// byteArray decodes a serde Vec<u8>: a JSON array of integers 0 to 255.
func byteArray(raw json.RawMessage, field string) ([]byte, error) {
	var b snp.Bytes
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformedEvidence, field, err)
	}
	return b, nil
}

// decoder decodes one JSON value.
type decoder func(raw json.RawMessage, field string) ([]byte, error)

// field decodes the required member name of m with dec.
func field(m map[string]json.RawMessage, name string, dec decoder) ([]byte, error) {
	raw, err := member(m, name)
	if err != nil {
		return nil, err
	}
	return dec(raw, name)
}
