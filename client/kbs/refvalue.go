package kbs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// rvpsMessageVersion is the only RVPS message version.
const rvpsMessageVersion = "0.1.0"

type rvpsMessage struct {
	Version string `json:"version"`
	Type    string `json:"type"`
	Payload string `json:"payload"`
}

// SampleReferenceValueMessage builds the RVPS message registering value
// under name with the sample extractor, as kbs-client does: the payload is
// standard base64 of {name: [value]}, or of {name: value} when singleValue.
func SampleReferenceValueMessage(name string, value any, singleValue bool) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("kbs: reference value needs a name")
	}
	if !singleValue {
		value = []any{value}
	}
	payload, err := marshalNoHTMLEscape(map[string]any{name: value})
	if err != nil {
		return nil, fmt.Errorf("kbs: reference value payload: %w", err)
	}
	msg := rvpsMessage{Version: rvpsMessageVersion, Type: "sample", Payload: base64.StdEncoding.EncodeToString(payload)}
	return json.Marshal(msg)
}

// marshalNoHTMLEscape is compact JSON as serde_json writes it: "<", ">"
// and "&" are kept as they are.
func marshalNoHTMLEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
