package token

import (
	"encoding/json"
	"errors"
	"sync"
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
	d.s = string(b)
	stack := memberStacks.Get().(*[]member)
	d.stack = (*stack)[:0]
	defer func() {
		clear(d.stack) // what an error left
		*stack = d.stack[:0]
		memberStacks.Put(stack)
	}()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// claimsDecoder walks valid JSON; it never meets a syntax error.
type claimsDecoder struct {
	b []byte
	// s is b copied once, so that plain strings and numbers are slices of
	// it rather than one allocation each (most of a token's allocations).
	// The claims then keep all of b alive, which they are about the size of.
	s     string
	i     int
	stack []member // members of the objects and arrays being decoded
}

// member is an object member or, without key, an array element.
type member struct {
	key   string
	value any
}

// memberStacks reuses decoders' stacks: one per decode would be an
// allocation per token.
var memberStacks = sync.Pool{New: func() any { return new([]member) }}

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
		return json.Number(d.s[start:d.i]), nil
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// object and array hold their members on the decoder's stack until the
// container closes, so the map or slice is made at its final size instead
// of growing: TDX claims have objects of 15 members and event log arrays.
func (d *claimsDecoder) object() (any, error) {
	base := len(d.stack)
	d.i++ // {
	for {
		d.skipSpace()
		if d.b[d.i] == '}' {
			d.i++
			break
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
		value, err := d.value()
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, member{key: key, value: value})
	}
	obj := make(map[string]any, len(d.stack)-base)
	for _, m := range d.stack[base:] {
		obj[m.key] = m.value // a repeated key keeps its last value, as in encoding/json
	}
	d.pop(base)
	return obj, nil
}

func (d *claimsDecoder) array() (any, error) {
	base := len(d.stack)
	d.i++ // [
	for {
		d.skipSpace()
		if d.b[d.i] == ']' {
			d.i++
			break
		}
		if d.b[d.i] == ',' {
			d.i++
			d.skipSpace()
		}
		value, err := d.value()
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, member{value: value})
	}
	arr := make([]any, len(d.stack)-base)
	for n, m := range d.stack[base:] {
		arr[n] = m.value
	}
	d.pop(base)
	return arr, nil
}

// pop drops the members above base, clearing them so that the pooled stack
// does not keep claims alive.
func (d *claimsDecoder) pop(base int) {
	clear(d.stack[base:])
	d.stack = d.stack[:base]
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
		return d.s[start+1 : d.i-1], nil
	}
	var s string
	err := json.Unmarshal(d.b[start:d.i], &s)
	return s, err
}
