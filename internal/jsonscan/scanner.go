// Package jsonscan reads JSON text exactly as encoding/json accepts it,
// without reflection or a second pass: callers walk objects and arrays
// and take raw member names and values as slices of their input.
package jsonscan

import (
	"errors"
	"fmt"
)

// Input is the text a Scanner reads. Over a string, names and values are
// substrings, so decoders keep them without an allocation each.
type Input interface{ string | []byte }

// MaxDepth is encoding/json's nesting limit (maxNestingDepth).
const MaxDepth = 10000

// ErrNotObject is json.Unmarshal's refusal of a non-object value where a
// struct or map is wanted.
var ErrNotObject = errors.New("JSON value is not an object")

// Scanner checks JSON syntax as encoding/json's checkValid does while it
// moves a cursor over one JSON text.
type Scanner[T Input] struct {
	data  T
	off   int
	depth int // objects and arrays open around the cursor
	// RefuseFloatOverflow makes numbers that do not fit a float64 errors,
	// as they are for json.Unmarshal into an interface value.
	RefuseFloatOverflow bool
}

// New returns a Scanner at the start of data.
func New[T Input](data T) Scanner[T] {
	return Scanner[T]{data: data}
}

// Peek returns the byte at the cursor, 0 at the end of the input.
func (s *Scanner[T]) Peek() byte {
	if s.off < len(s.data) {
		return s.data[s.off]
	}
	return 0
}

// SkipSpace moves the cursor past JSON white space.
func (s *Scanner[T]) SkipSpace() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\n', '\r':
			s.off++
		default:
			return
		}
	}
}

// End checks that only white space follows the cursor.
func (s *Scanner[T]) End() error {
	s.SkipSpace()
	if s.off != len(s.data) {
		return s.syntaxError("after top-level value")
	}
	return nil
}

func (s *Scanner[T]) syntaxError(where string) error {
	if s.off >= len(s.data) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %q at offset %d %s", s.data[s.off], s.off, where)
}

// Value checks the value at the cursor, moves past it and returns its
// raw text.
func (s *Scanner[T]) Value() (T, error) {
	start := s.off
	var err error
	switch c := s.Peek(); {
	case c == '{':
		err = s.Object(nil)
	case c == '[':
		err = s.Array(nil)
	case c == '"':
		_, err = s.str()
	case c == '-' || isDigit(c):
		err = s.number()
	case c == 't':
		err = s.literal("true")
	case c == 'f':
		err = s.literal("false")
	case c == 'n':
		err = s.literal("null")
	default:
		err = s.syntaxError("looking for beginning of value")
	}
	return s.data[start:s.off], err
}
