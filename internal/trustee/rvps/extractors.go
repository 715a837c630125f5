package rvps

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// extractor verifies a message payload and returns reference values by name.
type extractor func(payload string) (map[string]json.RawMessage, error)

// extractors by message "type". Upstream also has "swid" and "corim".
var extractors = map[string]extractor{
	"sample": extractSample,
}

func supportedTypes() string {
	types := make([]string, 0, len(extractors))
	for name := range extractors {
		types = append(types, name)
	}
	slices.Sort(types)
	return strings.Join(types, ", ")
}

// extractSample reads the "sample" payload: standard base64 of a JSON object
// mapping names to values. Like upstream it checks no signature, so the
// registration endpoint must stay admin-only.
func extractSample(payload string) (map[string]json.RawMessage, error) {
	decoded, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, fmt.Errorf("not standard base64: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(decoded))
	var values map[string]json.RawMessage
	if err := dec.Decode(&values); err != nil {
		return nil, fmt.Errorf("not a JSON object of reference values: %w", err)
	}
	if values == nil {
		return nil, errors.New("not a JSON object of reference values")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return values, nil
}
