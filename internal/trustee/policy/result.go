package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// trustClaimNames are the AR4SI trust vector claims an EAR appraisal holds.
var trustClaimNames = []string{
	"instance-identity", "configuration", "executables", "file-system",
	"hardware", "runtime-opaque", "storage-opaque", "sourced-data",
}

// Keys of an extension object.
var (
	extensionName  = ast.StringTerm("name")
	extensionKey   = ast.StringTerm("key")
	extensionValue = ast.StringTerm("value")
)

// decodeTrustClaims turns the [trust_claims] comprehension result into a
// trust vector the way upstream's EAR broker does: undefined means all
// eight claims are 0, and at least one claim must be set. Where upstream
// panics (unknown claim) or wraps silently (values outside i8), this refuses.
func decodeTrustClaims(binding any) (map[string]int, error) {
	value, ok := definedValue(binding)
	if !ok {
		return nil, fmt.Errorf("%w: unexpected trust_claims binding %T", ErrInvalidResult, binding)
	}
	if value == nil {
		vector := make(map[string]int, len(trustClaimNames))
		for _, name := range trustClaimNames {
			vector[name] = 0
		}
		return vector, nil
	}
	claims, ok := value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("%w: trust_claims must be an object", ErrInvalidResult)
	}
	if claims.Len() == 0 {
		return nil, fmt.Errorf("%w: at least one trust claim must be set", ErrInvalidResult)
	}
	vector := make(map[string]int, claims.Len())
	err := claims.Iter(func(key, raw *ast.Term) error {
		name, ok := key.Value.(ast.String)
		if !ok || !slices.Contains(trustClaimNames, string(name)) {
			return fmt.Errorf("%w: unknown trust claim %v", ErrInvalidResult, key)
		}
		value, err := integerIn(raw.Value, math.MinInt8, math.MaxInt8)
		if err != nil {
			return fmt.Errorf("%w: trust claim %v: %w", ErrInvalidResult, key, err)
		}
		vector[string(name)] = value
		return nil
	})
	if err != nil {
		return nil, err
	}
	return vector, nil
}

// decodeExtensions turns the [extensions] comprehension result into EAR
// extensions: an array of {name, key, value}, names and keys unique (the
// EAR registry refuses duplicates). A set is taken as the array JSON would
// make of it, as upstream's regorus does.
func decodeExtensions(binding any) ([]Extension, error) {
	value, ok := definedValue(binding)
	if !ok {
		return nil, fmt.Errorf("%w: unexpected extensions binding %T", ErrInvalidResult, binding)
	}
	var items []*ast.Term
	switch list := value.(type) {
	case nil:
		return nil, nil
	case *ast.Array:
		list.Foreach(func(item *ast.Term) { items = append(items, item) })
	case ast.Set:
		items = list.Slice()
	default:
		return nil, fmt.Errorf("%w: extensions must be an array", ErrInvalidResult)
	}
	extensions := make([]Extension, 0, len(items))
	names := make(map[string]bool, len(items))
	keys := make(map[int]bool, len(items))
	for i, item := range items {
		ext, err := decodeExtension(item.Value)
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

func decodeExtension(item ast.Value) (Extension, error) {
	obj, ok := item.(ast.Object)
	if !ok {
		return Extension{}, errors.New("must be an object")
	}
	name, ok := termValue(obj.Get(extensionName)).(ast.String)
	if !ok || name == "" {
		return Extension{}, errors.New("name must be a non-empty string")
	}
	key, err := integerIn(termValue(obj.Get(extensionKey)), math.MinInt32, math.MaxInt32)
	if err != nil {
		return Extension{}, fmt.Errorf("key: %w", err)
	}
	raw := obj.Get(extensionValue)
	if raw == nil {
		return Extension{}, errors.New("value is missing")
	}
	value, err := ast.JSON(raw.Value)
	if err != nil {
		return Extension{}, fmt.Errorf("value: %w", err)
	}
	return Extension{Name: string(name), Key: key, Value: value}, nil
}

// termValue is t's value, or nil for a missing term.
func termValue(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

// integerIn reads a policy number that must be an integer within [lo, hi].
// Like a JSON number it must be written as an integer: 2.0 and 2e0 are not.
func integerIn(raw ast.Value, lo, hi int64) (int, error) {
	number, ok := raw.(ast.Number)
	if !ok {
		return 0, fmt.Errorf("must be an integer, got %s", valueName(raw))
	}
	n, err := json.Number(number).Int64()
	if err != nil {
		return 0, fmt.Errorf("must be an integer, got %s", number)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d..%d", n, lo, hi)
	}
	return int(n), nil
}

// valueName names raw's type for an error, "nothing" when it is missing.
func valueName(raw ast.Value) string {
	if raw == nil {
		return "nothing"
	}
	return ast.ValueName(raw)
}
