package kbs

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gowebpki/jcs"
)

// HashAlgorithm names a runtime-data digest as kbs-types spells it.
type HashAlgorithm string

// The hash algorithms Cocoon implements. kbs-types also defines "sm3",
// which no Trustee backend selects for the TEEs we support.
const (
	SHA256 HashAlgorithm = "sha256"
	SHA384 HashAlgorithm = "sha384"
	SHA512 HashAlgorithm = "sha512"
)

// ErrUnsupportedHashAlgorithm is returned for hash names outside SHA256,
// SHA384 and SHA512.
var ErrUnsupportedHashAlgorithm = errors.New("kbs: unsupported hash algorithm")

// selectedHashAlgorithmKey is the Challenge extra-params member that
// overrides the default hash.
const selectedHashAlgorithmKey = "selected-hash-algorithm"

// ParseHashAlgorithm accepts the lowercase kbs-types names only.
func ParseHashAlgorithm(s string) (HashAlgorithm, error) {
	switch h := HashAlgorithm(s); h {
	case SHA256, SHA384, SHA512:
		return h, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnsupportedHashAlgorithm, s)
}

// Sum returns the digest of b.
func (h HashAlgorithm) Sum(b []byte) ([]byte, error) {
	switch h {
	case SHA256:
		d := sha256.Sum256(b)
		return d[:], nil
	case SHA384:
		d := sha512.Sum384(b)
		return d[:], nil
	case SHA512:
		d := sha512.Sum512(b)
		return d[:], nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedHashAlgorithm, string(h))
}

// HashForTee is the runtime-data hash Trustee's attestation service applies
// to evidence of t: SHA-512 for IBM SE, SHA-384 for everything else.
func HashForTee(t Tee) HashAlgorithm {
	if t == TeeSe {
		return SHA512
	}
	return SHA384
}

// SelectedHashAlgorithm applies the guest-components rule to a Challenge's
// extra-params: the "selected-hash-algorithm" member (lowercased) when
// extra-params is an object holding it, SHA-384 otherwise (including the
// legacy "" string). A member that is not a usable name is returned as its
// text, so that Sum and RuntimeDataDigest reject it instead of silently
// falling back to SHA-384.
func SelectedHashAlgorithm(extraParams json.RawMessage) HashAlgorithm {
	trimmed := bytes.TrimSpace(extraParams)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return SHA384
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &params); err != nil {
		return ""
	}
	raw, ok := params[selectedHashAlgorithmKey]
	if !ok {
		return SHA384
	}
	var name string
	if raw[0] != '"' || json.Unmarshal(raw, &name) != nil {
		return HashAlgorithm(raw)
	}
	return HashAlgorithm(strings.ToLower(name))
}

// Canonicalize serialises v as RFC 8785 (JCS) canonical JSON, the form
// Trustee hashes (serde_json_canonicalizer). encoding/json alone is not
// enough: it HTML-escapes <, > and & and keeps struct field order.
func Canonicalize(v any) ([]byte, error) {
	if out, ok := appendCanonical(make([]byte, 0, 512), v); ok {
		return out, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("kbs: canonicalize: %w", err)
	}
	out, err := jcs.Transform(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("kbs: canonicalize: %w", err)
	}
	return out, nil
}

// PrimaryRuntimeData is the object bound into the primary TEE's evidence.
// "additional-evidence" is present even when it is "".
func PrimaryRuntimeData(nonce string, key TeePubKey, additionalEvidence string) map[string]any {
	return map[string]any{
		"tee-pubkey":          key.wireForm(),
		"nonce":               nonce,
		"additional-evidence": additionalEvidence,
	}
}

// DeviceRuntimeData is the object bound into each additional device's evidence.
func DeviceRuntimeData(nonce string, key TeePubKey) map[string]any {
	return map[string]any{
		"tee-pubkey": key.wireForm(),
		"nonce":      nonce,
	}
}

// RuntimeDataDigest is alg(JCS(runtimeData)), the value a TEE report must carry.
func RuntimeDataDigest(alg HashAlgorithm, runtimeData any) ([]byte, error) {
	canonical, err := Canonicalize(runtimeData)
	if err != nil {
		return nil, err
	}
	return alg.Sum(canonical)
}

// Regularize zero-pads or truncates b to n bytes, as Trustee's verifiers do
// before comparing a digest with a fixed-size report-data field.
func Regularize(b []byte, n int) []byte {
	out := make([]byte, max(n, 0))
	copy(out, b)
	return out
}

// ErrInvalidAdditionalEvidence is returned by ParseAdditionalEvidence.
var ErrInvalidAdditionalEvidence = errors.New("kbs: invalid additional evidence")

// ParseAdditionalEvidence decodes the "additional_evidence" string of the
// composite evidence: "" means no devices; otherwise a JSON object from TEE
// name to that device's evidence. Unknown TEE names and duplicate keys are
// rejected.
func ParseAdditionalEvidence(s string) (map[Tee]json.RawMessage, error) {
	if s == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidAdditionalEvidence)
	}
	out := make(map[Tee]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidAdditionalEvidence, err)
		}
		tee := Tee(tok.(string)) // inside an object, keys are always strings
		if !tee.Valid() {
			return nil, fmt.Errorf("%w: unknown TEE %q", ErrInvalidAdditionalEvidence, string(tee))
		}
		if _, dup := out[tee]; dup {
			return nil, fmt.Errorf("%w: duplicate TEE %q", ErrInvalidAdditionalEvidence, string(tee))
		}
		var evidence json.RawMessage
		if err := dec.Decode(&evidence); err != nil {
			return nil, fmt.Errorf("%w: evidence of %q: %w", ErrInvalidAdditionalEvidence, string(tee), err)
		}
		out[tee] = evidence
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidAdditionalEvidence, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the object", ErrInvalidAdditionalEvidence)
	}
	return out, nil
}

// NewNonce returns a fresh challenge nonce: standard base64 of 32 random bytes.
func NewNonce() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("kbs: nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}
