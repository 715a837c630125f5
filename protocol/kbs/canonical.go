package kbs

import (
	"slices"
	"unicode/utf8"
)

// appendCanonical writes v as RFC 8785 canonical JSON when v is built only
// of strings, string-keyed maps of such values and TeePubKeys, which is
// what runtime data is; ok is false for anything else, which Canonicalize
// then serialises the general way. Every flow canonicalises its runtime
// data on both sides, and the general way (encode, parse, re-encode) cost
// more than the hash.
func appendCanonical(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case string:
		return appendCanonicalString(b, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			if !isASCII(k) { // UTF-16 key order differs from byte order beyond ASCII
				return b, false
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = appendCanonicalString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendCanonical(b, v[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case TeePubKey:
		return v.appendCanonical(b)
	default:
		return b, false
	}
}

// appendCanonical writes the key as its JSON encoding has it (kty and alg
// always, the other fields when set), members in JCS order.
func (k TeePubKey) appendCanonical(b []byte) ([]byte, bool) {
	members := [...]struct {
		name, value string
		always      bool
	}{{"alg", k.Alg, true}, {"crv", k.Crv, false}, {"e", k.E, false}, {"kty", k.Kty, true}, {"n", k.N, false}, {"x", k.X, false}, {"y", k.Y, false}}
	b = append(b, '{')
	first := true
	for _, m := range members {
		if m.value == "" && !m.always {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, m.name...)
		b = append(b, '"', ':')
		var ok bool
		if b, ok = appendCanonicalString(b, m.value); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendCanonicalString quotes s with JCS's minimal escapes; ok is false
// for invalid UTF-8, which encoding/json would have replaced.
func appendCanonicalString(b []byte, s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return b, false
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"'), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
