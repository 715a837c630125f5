package token

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/cocoon-cc/cocoon/internal/jsonscan"
)

// decodeObject decodes a JSON object to what encoding/json with UseNumber
// gives (map[string]any, []any, string, json.Number, bool, nil) in one
// pass that also checks the syntax: every resource request decodes its
// token's ~2 KB of claims, and encoding/json scans them twice and decodes
// through reflection.
func decodeObject(b []byte) (map[string]any, error) {
	// Scanning a string copy of b makes plain strings, names and numbers
	// substrings rather than one allocation each (most of a token's
	// allocations). The claims then keep all of it alive, which they are
	// about the size of.
	d := claimsDecoder{s: jsonscan.New(string(b))}
	d.s.SkipSpace()
	if d.s.Peek() != '{' {
		return nil, errors.New("not a JSON object")
	}
	stack := memberStacks.Get().(*[]member)
	d.stack = (*stack)[:0]
	defer func() {
		clear(d.stack) // what an error left
		*stack = d.stack[:0]
		memberStacks.Put(stack)
	}()
	obj, err := d.object()
	if err != nil {
		return nil, err
	}
	if err := d.s.End(); err != nil {
		return nil, err
	}
	return obj, nil
}

type claimsDecoder struct {
	s     jsonscan.Scanner[string]
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

func (d *claimsDecoder) value() (any, error) {
	switch d.s.Peek() {
	case '{':
		return d.object()
	case '[':
		return d.array()
	}
	raw, err := d.s.Value()
	if err != nil {
		return nil, err
	}
	switch raw[0] {
	case '"':
		return jsonscan.Text(raw[1 : len(raw)-1])
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return json.Number(raw), nil
}

// object and array hold their members on the decoder's stack until the
// container closes, so the map or slice is made at its final size instead
// of growing: TDX claims have objects of 15 members and event log arrays.
func (d *claimsDecoder) object() (map[string]any, error) {
	base := len(d.stack)
	err := d.s.Object(func(name string) error {
		key, err := jsonscan.Text(name)
		if err != nil {
			return err
		}
		value, err := d.value()
		if err == nil {
			d.stack = append(d.stack, member{key: key, value: value})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	obj := make(map[string]any, len(d.stack)-base)
	for _, m := range d.stack[base:] {
		obj[m.key] = m.value // a repeated key keeps its last value, as in encoding/json
	}
	d.pop(base)
	return obj, nil
}

func (d *claimsDecoder) array() ([]any, error) {
	base := len(d.stack)
	err := d.s.Array(func() error {
		value, err := d.value()
		if err == nil {
			d.stack = append(d.stack, member{value: value})
		}
		return err
	})
	if err != nil {
		return nil, err
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
