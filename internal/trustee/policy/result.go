package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// trustClaimNames are the AR4SI trust vector claims an EAR appraisal holds.
var trustClaimNames = []string{
	"instance-identity", "configuration", "executables", "file-system",
	"hardware", "runtime-opaque", "storage-opaque", "sourced-data",
}

// decodeTrustClaims turns the [trust_claims] comprehension result into a
// trust vector the way upstream's EAR broker does: undefined means all
// eight claims are 0, and at least one claim must be set. Where upstream
// panics (unknown claim) or wraps silently (values outside i8), this refuses.
func decodeTrustClaims(binding any) (map[string]int, error) {
	defined, ok := binding.([]any)
	if !ok || len(defined) > 1 {
		return nil, fmt.Errorf("%w: unexpected trust_claims binding %T", ErrInvalidResult, binding)
	}
	if len(defined) == 0 {
		vector := make(map[string]int, len(trustClaimNames))
		for _, name := range trustClaimNames {
			vector[name] = 0
		}
		return vector, nil
	}
	claims, ok := defined[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: trust_claims must be an object", ErrInvalidResult)
	}
	if len(claims) == 0 {
		return nil, fmt.Errorf("%w: at least one trust claim must be set", ErrInvalidResult)
	}
	vector := make(map[string]int, len(claims))
	for name, raw := range claims {
		if !slices.Contains(trustClaimNames, name) {
			return nil, fmt.Errorf("%w: unknown trust claim %q", ErrInvalidResult, name)
		}
		value, err := integerIn(raw, math.MinInt8, math.MaxInt8)
		if err != nil {
			return nil, fmt.Errorf("%w: trust claim %q: %w", ErrInvalidResult, name, err)
		}
		vector[name] = value
	}
	return vector, nil
}

// decodeExtensions turns the [extensions] comprehension result into EAR
// extensions: an array of {name, key, value}, names and keys unique (the
// EAR registry refuses duplicates).
func decodeExtensions(binding any) ([]Extension, error) {
	defined, ok := binding.([]any)
	if !ok || len(defined) > 1 {
		return nil, fmt.Errorf("%w: unexpected extensions binding %T", ErrInvalidResult, binding)
	}
	if len(defined) == 0 {
		return nil, nil
	}
	list, ok := defined[0].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: extensions must be an array", ErrInvalidResult)
	}
	extensions := make([]Extension, 0, len(list))
	names := make(map[string]bool, len(list))
	keys := make(map[int]bool, len(list))
	for i, item := range list {
		ext, err := decodeExtension(item)
		if err != nil {
			return nil, fmt.Errorf("%w: extension %d: %w", ErrInvalidResult, i, err)
		}
		if names[ext.Name] || keys[ext.Key] {
			return nil, fmt.Errorf("%w: extension %q (key %d) is given twice", ErrInvalidResult, ext.Name, ext.Key)
		}
		names[ext.Name], keys[ext.Key] = true, true
		extensions = append(extensions, ext)
	}
	return extensions, nil
}

func decodeExtension(item any) (Extension, error) {
	obj, ok := item.(map[string]any)
	if !ok {
		return Extension{}, errors.New("must be an object")
	}
	name, ok := obj["name"].(string)
	if !ok || name == "" {
		return Extension{}, errors.New("name must be a non-empty string")
	}
	key, err := integerIn(obj["key"], math.MinInt32, math.MaxInt32)
	if err != nil {
		return Extension{}, fmt.Errorf("key: %w", err)
	}
	value, ok := obj["value"]
	if !ok {
		return Extension{}, errors.New("value is missing")
	}
	return Extension{Name: name, Key: key, Value: value}, nil
}

// integerIn reads a policy number (OPA hands them out as json.Number) that
// must be an integer within [lo, hi].
func integerIn(raw any, lo, hi int64) (int, error) {
	number, ok := raw.(json.Number)
	if !ok {
		return 0, fmt.Errorf("must be an integer, got %T", raw)
	}
	n, err := number.Int64()
	if err != nil {
		return 0, fmt.Errorf("must be an integer, got %s", number)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d..%d", n, lo, hi)
	}
	return int(n), nil
}
