package tpm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMalformedEvidence means the bytes are not TPM evidence.
var ErrMalformedEvidence = errors.New("tpm: malformed evidence")

// Evidence is the TPM TEE's evidence, field for field upstream's.
type Evidence struct {
	TPMQuote Quote `json:"tpm_quote"`
	// AKPublic is standard base64 of the AK's DER SubjectPublicKeyInfo.
	AKPublic string `json:"ak_public"`
	// AAEventLog is standard base64 of the AAEL records; Cocoon's optional
	// addition, absent when the guest has no event log.
	AAEventLog string `json:"aa_eventlog,omitempty"`
}

// Quote is a TPM2_Quote and the PCR values it covers.
type Quote struct {
	// Signature is standard base64 of the marshalled TPMT_SIGNATURE.
	Signature string `json:"signature"`
	// Message is standard base64 of the marshalled TPMS_ATTEST.
	Message string `json:"message"`
	// PCRs are the SHA-256 bank's PCR 0..23 in lowercase hex.
	PCRs []string `json:"pcrs"`
}

// ParseEvidence decodes TPM evidence as upstream's serde does: keys match
// exactly, "ak_public", "tpm_quote" and its "signature", "message" and
// "pcrs" are required, unknown members are ignored. Only the JSON shape is
// checked here; Verify decodes and checks the contents.
func ParseEvidence(b []byte) (*Evidence, error) {
	top, err := object(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvidence, err)
	}
	var ev Evidence
	if err := requiredString(top, "ak_public", &ev.AKPublic); err != nil {
		return nil, err
	}
	if raw, ok := top["aa_eventlog"]; ok && !isNull(raw) {
		if err := decodeString(raw, &ev.AAEventLog); err != nil {
			return nil, fmt.Errorf("%w: aa_eventlog: %w", ErrMalformedEvidence, err)
		}
	}
	rawQuote, ok := top["tpm_quote"]
	if !ok {
		return nil, fmt.Errorf("%w: missing tpm_quote", ErrMalformedEvidence)
	}
	quote, err := object(rawQuote)
	if err != nil {
		return nil, fmt.Errorf("%w: tpm_quote: %w", ErrMalformedEvidence, err)
	}
	if err := requiredString(quote, "signature", &ev.TPMQuote.Signature); err != nil {
		return nil, err
	}
	if err := requiredString(quote, "message", &ev.TPMQuote.Message); err != nil {
		return nil, err
	}
	rawPCRs, ok := quote["pcrs"]
	if !ok {
		return nil, fmt.Errorf("%w: missing tpm_quote.pcrs", ErrMalformedEvidence)
	}
	var pcrs []json.RawMessage
	if err := json.Unmarshal(rawPCRs, &pcrs); err != nil || pcrs == nil {
		return nil, fmt.Errorf("%w: tpm_quote.pcrs is not an array", ErrMalformedEvidence)
	}
	ev.TPMQuote.PCRs = make([]string, len(pcrs))
	for i, raw := range pcrs {
		if err := decodeString(raw, &ev.TPMQuote.PCRs[i]); err != nil {
			return nil, fmt.Errorf("%w: tpm_quote.pcrs[%d]: %w", ErrMalformedEvidence, i, err)
		}
	}
	return &ev, nil
}

// Marshal returns the evidence JSON the attester sends.
func (ev *Evidence) Marshal() (json.RawMessage, error) {
	return json.Marshal(ev)
}

func object(b []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, errors.New("not a JSON object")
	}
	return fields, nil
}

func requiredString(fields map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := fields[name]
	if !ok {
		return fmt.Errorf("%w: missing %s", ErrMalformedEvidence, name)
	}
	if err := decodeString(raw, dst); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformedEvidence, name, err)
	}
	return nil
}

// decodeString accepts a JSON string only; encoding/json would let null
// through as "", which serde refuses.
func decodeString(raw json.RawMessage, dst *string) error {
	if !bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte(`"`)) {
		return errors.New("not a string")
	}
	return json.Unmarshal(raw, dst)
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// decodeBase64 decodes canonical standard base64 only: Go's decoder skips
// newlines, which upstream's does not, and a value must have one spelling.
func decodeBase64(field, s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: %s is not canonical standard base64", ErrMalformedEvidence, field)
	}
	return b, nil
}
