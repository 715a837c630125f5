package config

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

// keyErrors flattens a (joined) error into "key → sentinel name" pairs.
func keyErrors(t *testing.T, err error) map[string]string {
	t.Helper()
	got := make(map[string]string)
	var walk func(error)
	walk = func(e error) {
		if joined, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
			return
		}
		var ke *KeyError
		if !errors.As(e, &ke) {
			t.Errorf("problem without a key: %v", e)
			return
		}
		got[ke.Key] = sentinelName(ke)
	}
	if err != nil {
		walk(err)
	}
	return got
}

func sentinelName(err error) string {
	switch {
	case errors.Is(err, ErrUnknownKey):
		return "unknown"
	case errors.Is(err, ErrUnsupported):
		return "unsupported"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	}
	return "other"
}

func hasWarning(warnings []string, substr string) bool {
	for _, w := range warnings {
		if strings.Contains(w, substr) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
