package kbs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The helpers below read the members of a JSON object the way
// json.Unmarshal into a map[string]any sees them, without building the
// map. They assume input json.Valid accepted: validity is left to
// encoding/json itself so that accept and reject cannot drift from it.

// errNotObject is json.Unmarshal's refusal of a non-object into a map.
var errNotObject = errors.New("JSON value is not an object")

// scanMembers stores in values[i] the raw value of the member named
// names[i] in the valid JSON object obj, the last one when a name repeats
// (as a map keeps it), nil when absent. Member names are compared after
// unescaping, case-sensitively, as map keys are. Like json.Unmarshal into
// a map[string]any, it fails on any number, however deep, that does not
// fit a float64.
func scanMembers(obj []byte, names []string, values [][]byte) error {
	i := skipSpace(obj, 1) // after '{'
	for obj[i] != '}' {
		end := skipString(obj, i)
		name := obj[i+1 : end-1]
		i = skipSpace(obj, skipSpace(obj, end)+1) // past ':'
		start := i
		var err error
		if i, err = skipValue(obj, i); err != nil {
			return err
		}
		for k, want := range names {
			if nameIs(name, want) {
				values[k] = obj[start:i]
			}
		}
		if i = skipSpace(obj, i); obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return nil
}

// nameIs reports whether a raw member name, as written between its
// quotes, unescapes to want.
func nameIs(raw []byte, want string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == want
	}
	name, err := unquote(raw)
	return err == nil && string(name) == want
}

// stringValue returns the string a raw JSON value holds, unescaped and with
// invalid UTF-8 replaced as encoding/json does, or an error naming member
// when the value is absent (nil) or not a string.
func stringValue(raw []byte, member string) ([]byte, error) {
	if raw == nil {
		return nil, fmt.Errorf("missing %q", member)
	}
	if raw[0] != '"' {
		return nil, fmt.Errorf("%q is not a string", member)
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner, nil
	}
	return unquote(inner)
}

// unquote decodes the contents of a valid JSON string the slow way, for
// the rare one with escapes or invalid UTF-8.
func unquote(inner []byte) ([]byte, error) {
	quoted := make([]byte, 0, len(inner)+2)
	quoted = append(append(append(quoted, '"'), inner...), '"')
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset after the valid JSON string at data[i].
func skipString(data []byte, i int) int {
	for i++; data[i] != '"'; i++ {
		if data[i] == '\\' {
			i++ // the escaped byte; \uXXXX continues with hex digits
		}
	}
	return i + 1
}

// skipValue returns the offset after the valid JSON value at data[i],
// checking each number in it as a float64.
func skipValue(data []byte, i int) (int, error) {
	depth := 0
	for {
		switch c := data[i]; {
		case c == '"':
			i = skipString(data, i)
		case c == '{' || c == '[':
			depth++
			i++
		case c == '}' || c == ']':
			depth--
			i++
		case c == '-' || '0' <= c && c <= '9':
			start := i
			for i < len(data) && isNumberByte(data[i]) {
				i++
			}
			if _, err := strconv.ParseFloat(string(data[start:i]), 64); err != nil {
				return i, fmt.Errorf("number %s does not fit a float64", data[start:i])
			}
		case 'a' <= c && c <= 'z': // true, false, null
			for i < len(data) && 'a' <= data[i] && data[i] <= 'z' {
				i++
			}
		default: // ',', ':', white space
			i++
		}
		if depth == 0 {
			return i, nil
		}
	}
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
