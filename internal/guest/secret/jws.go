package secret

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// Prefix starts every sealed secret.
const Prefix = "sealed."

// maxSealedSize bounds the input; real secrets are a few KiB.
const maxSealedSize = 1 << 20

// Header is the JWS protected header of a signed sealed secret.
type Header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// Signed is a parsed, not yet verified, signed sealed secret.
type Signed struct {
	Header  Header
	Payload []byte // the secret JSON
	// signingInput is "<header>.<payload>" exactly as received.
	signingInput string
	signature    []byte
}

// Seal signs the secret with an ES256 key and returns
// "sealed.<header>.<payload>.<signature>".
func Seal(s *Secret, key *ecdsa.PrivateKey, kid string) (string, error) {
	if kid == "" {
		return "", fmt.Errorf("%w: the signing kid is empty", ErrVerificationKey)
	}
	payload, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(Header{Alg: AlgES256, Kid: kid})
	if err != nil {
		return "", err
	}
	input := encodeB64URL(header) + "." + encodeB64URL(payload)
	digest := sha256.Sum256([]byte(input))
	r, sig, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign sealed secret: %w", err)
	}
	raw := make([]byte, 2*p256Size)
	r.FillBytes(raw[:p256Size])
	sig.FillBytes(raw[p256Size:])
	return Prefix + input + "." + encodeB64URL(raw), nil
}

// ParseSigned splits and decodes a signed sealed secret. The header must
// name alg ES256 and a kid; the signature is checked by Verify.
func ParseSigned(sealed string) (*Signed, error) {
	if err := checkInput(sealed); err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(sealed, Prefix)
	if !ok {
		return nil, fmt.Errorf("%w: does not start with %q", ErrMalformed, Prefix)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: want sealed.<header>.<payload>.<signature>, got %d parts after %q", ErrMalformed, len(parts), Prefix)
	}
	headerJSON, err := decodeB64URL(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url without padding", ErrMalformed)
	}
	h, err := parseHeader(headerJSON)
	if err != nil {
		return nil, err
	}
	payload, err := decodeB64URL(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url without padding", ErrMalformed)
	}
	sig, err := decodeB64URL(parts[2])
	if err != nil || len(sig) != 2*p256Size {
		return nil, fmt.Errorf("%w: signature must be 64 bytes of base64url", ErrSignature)
	}
	return &Signed{Header: h, Payload: payload, signingInput: parts[0] + "." + parts[1], signature: sig}, nil
}

func parseHeader(b []byte) (Header, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return Header{}, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	// A critical extension we do not know must not be ignored (RFC 7515).
	if _, ok := raw["crit"]; ok {
		return Header{}, fmt.Errorf("%w: header has crit extensions", ErrMalformed)
	}
	h := Header{}
	m := &members{raw: raw}
	m.str("alg", &h.Alg)
	m.str("kid", &h.Kid)
	if m.err != nil {
		return Header{}, m.err
	}
	if h.Alg != AlgES256 {
		return Header{}, fmt.Errorf("%w: JWS algorithm %q, must be %s", ErrVerificationKey, h.Alg, AlgES256)
	}
	if h.Kid == "" {
		return Header{}, fmt.Errorf("%w: header kid is empty", ErrMalformed)
	}
	return h, nil
}

// Verify checks the ES256 signature with pub.
func (s *Signed) Verify(pub *ecdsa.PublicKey) error {
	digest := sha256.Sum256([]byte(s.signingInput))
	r := new(big.Int).SetBytes(s.signature[:p256Size])
	sig := new(big.Int).SetBytes(s.signature[p256Size:])
	if !ecdsa.Verify(pub, digest[:], r, sig) {
		return fmt.Errorf("%w with key %q", ErrSignature, s.Header.Kid)
	}
	return nil
}

// UnverifiedPayload returns the secret JSON without checking anything but
// the shape: upstream's path when verification is switched off, and the
// only way the legacy "sealed.fakejwsheader.<payload>.fakesignature" form
// is read.
func UnverifiedPayload(sealed string) ([]byte, error) {
	if err := checkInput(sealed); err != nil {
		return nil, err
	}
	parts := strings.Split(sealed, ".")
	if len(parts) != 4 || parts[0]+"." != Prefix {
		return nil, fmt.Errorf("%w: want sealed.<header>.<payload>.<signature>", ErrMalformed)
	}
	payload, err := decodeB64URL(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url without padding", ErrMalformed)
	}
	return payload, nil
}

func checkInput(sealed string) error {
	if len(sealed) > maxSealedSize {
		return fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxSealedSize)
	}
	if !utf8.ValidString(sealed) {
		return fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	return nil
}

func encodeB64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
