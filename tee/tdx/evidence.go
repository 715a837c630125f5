package tdx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMalformedEvidence means the evidence is not TDX evidence.
var ErrMalformedEvidence = errors.New("tdx: malformed evidence")

// Evidence is TDX evidence as upstream's attester sends it.
type Evidence struct {
	// CCEventlog is standard base64 of the event log, or nil; it is sent
	// as null rather than omitted.
	CCEventlog *string `json:"cc_eventlog"`
	// Quote is standard base64 of the TD quote.
	Quote string `json:"quote"`
}

// NewEvidence encodes a quote and an optional event log as evidence JSON.
func NewEvidence(quote, eventlog []byte) (json.RawMessage, error) {
	ev := Evidence{Quote: base64.StdEncoding.EncodeToString(quote)}
	if eventlog != nil {
		s := base64.StdEncoding.EncodeToString(eventlog)
		ev.CCEventlog = &s
	}
	return json.Marshal(ev)
}

// ParseEvidence decodes evidence as upstream does: a JSON object with a
// required string "quote" and an optional string-or-null "cc_eventlog";
// other members are ignored. It returns the decoded quote bytes and event
// log bytes (nil when absent, null or empty).
func ParseEvidence(b []byte) (quote, eventlog []byte, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return nil, nil, fmt.Errorf("%w: not a JSON object", ErrMalformedEvidence)
	}
	q, ok := fields["quote"]
	if !ok || !isJSONString(q) {
		return nil, nil, fmt.Errorf("%w: quote must be a string", ErrMalformedEvidence)
	}
	if quote, err = decodeBase64Field(q, "quote"); err != nil {
		return nil, nil, err
	}
	if len(quote) == 0 {
		return nil, nil, fmt.Errorf("%w: quote is empty", ErrMalformedEvidence)
	}
	if el, ok := fields["cc_eventlog"]; ok && !bytes.Equal(bytes.TrimSpace(el), []byte("null")) {
		if !isJSONString(el) {
			return nil, nil, fmt.Errorf("%w: cc_eventlog must be a string or null", ErrMalformedEvidence)
		}
		if eventlog, err = decodeBase64Field(el, "cc_eventlog"); err != nil {
			return nil, nil, err
		}
		if len(eventlog) == 0 {
			eventlog = nil
		}
	}
	return quote, eventlog, nil
}

func isJSONString(raw json.RawMessage) bool {
	return bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte(`"`))
}

// decodeBase64Field accepts canonical standard base64 only, as upstream's
// decoder does (Go's would skip newlines and stray trailing bits).
func decodeBase64Field(raw json.RawMessage, name string) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformedEvidence, name, err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: %s is not canonical standard base64", ErrMalformedEvidence, name)
	}
	return b, nil
}
