package token

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// The EAR payload is written by hand, member by member, in upstream's
// order: encoding/json would reflect over it, call Submodule.MarshalJSON
// and then scan and compact every submodule it returned again. The bytes
// are exactly what encoding/json writes (tests compare the two); values
// of kinds not written here are handed to it.

// appendPayload writes the JWT claims set: eat_profile, iat,
// ear.verifier-id, submods, then exp and iss, EAR extensions the ear crate
// writes after submods.
func (i *Issuer) appendPayload(b []byte, issuedAt, expiry int64, submods map[string]Submodule) ([]byte, error) {
	b = append(b, `{"eat_profile":`...)
	b = appendString(b, i.cfg.ProfileName)
	b = append(b, `,"iat":`...)
	b = strconv.AppendInt(b, issuedAt, 10)
	b = append(b, `,"ear.verifier-id":{"developer":`...)
	b = appendString(b, i.cfg.DeveloperName)
	b = append(b, `,"build":`...)
	b = appendString(b, i.cfg.BuildName)
	b = append(b, `},"submods":`...)
	b, err := appendObject(b, submods, func(b []byte, name string, s Submodule) ([]byte, error) {
		b, err := s.appendJSON(b)
		if err != nil {
			return nil, fmt.Errorf("submodule %q: %w", name, err)
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, expiry, 10)
	b = append(b, `,"iss":`...)
	b = appendString(b, i.cfg.IssuerName)
	return append(b, '}'), nil
}

// appendJSON writes the submodule with the EAR members first, in the order
// the ear crate writes them (policy id and annotated evidence only when
// set), then the extensions by name.
func (s Submodule) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"ear.status":`...)
	b = appendString(b, Status(s.TrustVector))
	b = append(b, `,"ear.trustworthiness-vector":`...)
	b = appendTrustVector(b, s.TrustVector)
	if s.PolicyID != "" {
		b = append(b, `,"ear.appraisal-policy-id":`...)
		b = appendString(b, s.PolicyID)
	}
	var err error
	if len(s.AnnotatedEvidence) > 0 {
		b = append(b, `,"ear.veraison.annotated-evidence":`...)
		if b, err = appendValue(b, s.AnnotatedEvidence); err != nil {
			return nil, fmt.Errorf("member %q: %w", claimAnnotatedEvidence, err)
		}
	}
	var keys [sortedKeysOnStack]string
	for _, name := range sortedKeys(keys[:0], s.Extensions) {
		b = append(b, ',')
		b = appendString(b, name)
		b = append(b, ':')
		if b, err = appendValue(b, s.Extensions[name]); err != nil {
			return nil, fmt.Errorf("member %q: %w", name, err)
		}
	}
	return append(b, '}'), nil
}

// appendTrustVector writes all eight AR4SI claims in key order, unset ones
// as 0, as the ear crate serialises the vector.
func appendTrustVector(b []byte, v map[string]int) []byte {
	for n, name := range trustClaimNames {
		if n == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(v[name]), 10)
	}
	return append(b, '}')
}

// appendValue writes v as json.Marshal does: the kinds claims are made of
// directly, anything else through encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case nil:
		return append(b, "null"...), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		return appendObject(b, v, func(b []byte, _ string, e any) ([]byte, error) { return appendValue(b, e) })
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		var err error
		for n, e := range v {
			if n > 0 {
				b = append(b, ',')
			}
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	default:
		out, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(b, out...), nil
	}
}

// appendString writes s quoted. Printable ASCII other than the characters
// encoding/json escapes (quote, backslash and, for HTML safety, <, > and &)
// is copied as is; any other string is left to encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			out, _ := json.Marshal(s) // a string always encodes
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendObject writes m as encoding/json writes a map, members in key
// order, each value by appendMember.
func appendObject[V any](b []byte, m map[string]V, appendMember func(b []byte, key string, v V) ([]byte, error)) ([]byte, error) {
	b = append(b, '{')
	var keys [sortedKeysOnStack]string
	for n, k := range sortedKeys(keys[:0], m) {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendMember(b, k, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// sortedKeysOnStack fits the maps of typical claims: their keys are sorted
// in an array on the caller's stack instead of a slice grown on the heap,
// about 25 allocations a token.
const sortedKeysOnStack = 16

// sortedKeys appends the keys of m to keys, which is empty, in the member
// order of encoding/json's maps.
func sortedKeys[V any](keys []string, m map[string]V) []string {
	if cap(keys) < len(m) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
