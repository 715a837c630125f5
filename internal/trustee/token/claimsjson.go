package token

import (
	"encoding/json"
	"errors"
)

// decodeObject decodes a JSON object to what encoding/json with UseNumber
// gives (map[string]any, []any, string, json.Number, bool, nil) in one
// pass over text json.Valid accepted: every resource request decodes its
// token's ~2 KB of claims, and encoding/json scans them twice and decodes
// through reflection. Strings with escapes or non-ASCII bytes (invalid
// UTF-8 included) are decoded by encoding/json itself.
func decodeObject(b []byte) (map[string]any, error) {
	if !json.Valid(b) {
		return nil, errors.New("not valid JSON")
	}
	d := claimsDecoder{b: b}
	d.skipSpace()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// claimsDecoder walks valid JSON; it never meets a syntax error.
type claimsDecoder struct {
	b []byte
	i int
}

func (d *claimsDecoder) skipSpace() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *claimsDecoder) value() (any, error) {
	switch d.b[d.i] {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		return d.string()
	case 't':
		d.i += len("true")
		return true, nil
	case 'f':
		d.i += len("false")
		return false, nil
	case 'n':
		d.i += len("null")
		return nil, nil
	default:
		start := d.i
		for d.i < len(d.b) && isNumberByte(d.b[d.i]) {
			d.i++
		}
		return json.Number(d.b[start:d.i]), nil
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (d *claimsDecoder) object() (any, error) {
	obj := make(map[string]any)
	d.i++ // {
	for {
		d.skipSpace()
		if d.b[d.i] == '}' {
			d.i++
			return obj, nil
		}
		if d.b[d.i] == ',' {
			d.i++
			d.skipSpace()
		}
		key, err := d.string()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		d.i++ // :
		d.skipSpace()
		if obj[key], err = d.value(); err != nil {
			return nil, err
		}
	}
}

func (d *claimsDecoder) array() (any, error) {
	arr := []any{}
	d.i++ // [
	for {
		d.skipSpace()
		if d.b[d.i] == ']' {
			d.i++
			return arr, nil
		}
		if d.b[d.i] == ',' {
			d.i++
			d.skipSpace()
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
}

// string reads the string at d.i, copying plain ASCII as is.
func (d *claimsDecoder) string() (string, error) {
	start, plain := d.i, true
	for d.i++; d.b[d.i] != '"'; d.i++ {
		switch c := d.b[d.i]; {
		case c == '\\':
			plain = false
			d.i++ // the escaped byte, which may be a quote
		case c >= 0x80:
			plain = false
		}
	}
	d.i++
	if plain {
		return string(d.b[start+1 : d.i-1]), nil
	}
	var s string
	err := json.Unmarshal(d.b[start:d.i], &s)
	return s, err
}
