package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inputValue converts an evaluation input to OPA's representation up front,
// so a bad input is reported as such rather than as an evaluation failure.
// JSON text (json.RawMessage or []byte, e.g. verified token claims as
// received) is parsed rather than taken for an array of bytes.
// Go values are converted only as far as shape says the policy reads.
func inputValue(input any, shape *inputShape) (ast.Value, error) {
	var raw []byte
	switch v := input.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	default:
		value, err := shape.value(input)
		if err != nil {
			return nil, fmt.Errorf("policy: input: %w", err)
		}
		return value, nil
	}
	if !json.Valid(raw) {
		return nil, errors.New("policy: input is not valid JSON")
	}
	value, err := ast.ValueFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("policy: input: %w", err)
	}
	return value, nil
}
