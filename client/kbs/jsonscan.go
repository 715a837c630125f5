package kbs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// decodeObject checks data as json.Unmarshal into a struct does and calls
// member with the raw name (without quotes) and raw value of each
// top-level member, in order. Like encoding/json it accepts null, with no
// members, and refuses any other value that is not an object. It serves
// answers whose few fields are worth reading without encoding/json's
// reflection and its second scan of the whole input.
func decodeObject(data []byte, member func(name, value []byte) error) error {
	s := jsonScanner{data: data}
	s.skipSpace()
	var err error
	switch s.peek() {
	case '{':
		err = s.object(1, member)
	case 'n':
		err = s.value(0)
	default:
		if err = s.value(0); err == nil {
			err = errors.New("JSON value is not an object")
		}
	}
	if err != nil {
		return err
	}
	s.skipSpace()
	if s.off != len(s.data) {
		return s.syntaxError("after the top-level value")
	}
	return nil
}

// nameIs reports whether a member name, raw as written between its
// quotes, means want to encoding/json, which unescapes names and matches
// them with bytes.EqualFold.
func nameIs(raw []byte, want string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return bytes.EqualFold(raw, []byte(want))
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var name string
	if json.Unmarshal(quoted, &name) != nil {
		return false // cannot happen: the scanner validated the escapes
	}
	return bytes.EqualFold([]byte(name), []byte(want))
}

// stringField decodes a member value into *dst as encoding/json does for
// a string field: null leaves it alone, a string is unescaped (invalid
// UTF-8 becoming U+FFFD), any other value is an error.
func stringField(raw []byte, dst *string) error {
	switch raw[0] {
	case 'n':
		return nil
	case '"':
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*dst = string(inner)
			return nil
		}
		return json.Unmarshal(raw, dst)
	}
	return fmt.Errorf("cannot decode JSON %.16q into a string", raw)
}

// maxJSONDepth is encoding/json's nesting limit (maxNestingDepth).
const maxJSONDepth = 10000

// jsonScanner checks JSON syntax exactly as encoding/json's checkValid
// does, and hands the members of one object to a callback.
type jsonScanner struct {
	data []byte
	off  int
}

func (s *jsonScanner) peek() byte {
	if s.off < len(s.data) {
		return s.data[s.off]
	}
	return 0
}

func (s *jsonScanner) skipSpace() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\n', '\r':
			s.off++
		default:
			return
		}
	}
}

func (s *jsonScanner) syntaxError(where string) error {
	if s.off >= len(s.data) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %q at offset %d %s", s.data[s.off], s.off, where)
}

// value checks the value at s.off, nested inside depth containers.
func (s *jsonScanner) value(depth int) error {
	switch c := s.peek(); {
	case c == '{':
		return s.object(depth+1, nil)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, err := s.str()
		return err
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.syntaxError("looking for the beginning of a value")
}

// object checks the object at s.off, the depth-th open container, and
// passes each member's raw name (without quotes) and raw value to member
// when it is not nil.
func (s *jsonScanner) object(depth int, member func(name, value []byte) error) error {
	if depth > maxJSONDepth {
		return errors.New("exceeded max depth")
	}
	s.off++ // '{'
	s.skipSpace()
	if s.peek() == '}' {
		s.off++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.syntaxError("looking for the beginning of an object key string")
		}
		name, err := s.str()
		if err != nil {
			return err
		}
		s.skipSpace()
		if s.peek() != ':' {
			return s.syntaxError("after object key")
		}
		s.off++
		s.skipSpace()
		start := s.off
		if err := s.value(depth); err != nil {
			return err
		}
		if member != nil {
			if err := member(name, s.data[start:s.off]); err != nil {
				return err
			}
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.off++
			s.skipSpace()
		case '}':
			s.off++
			return nil
		default:
			return s.syntaxError("after object key:value pair")
		}
	}
}

// array checks the array at s.off, the depth-th open container.
func (s *jsonScanner) array(depth int) error {
	if depth > maxJSONDepth {
		return errors.New("exceeded max depth")
	}
	s.off++ // '['
	s.skipSpace()
	if s.peek() == ']' {
		s.off++
		return nil
	}
	for {
		if err := s.value(depth); err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.off++
			s.skipSpace()
		case ']':
			s.off++
			return nil
		default:
			return s.syntaxError("after array element")
		}
	}
}

// str checks the string at s.off and returns its raw contents. Like
// encoding/json it refuses control characters and bad escapes but not
// invalid UTF-8.
func (s *jsonScanner) str() ([]byte, error) {
	start := s.off + 1 // after '"'
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.off = i + 1
			return s.data[start:i], nil
		case c < 0x20:
			s.off = i
			return nil, s.syntaxError("in string literal")
		case c == '\\':
			s.off = i + 1
			if err := s.escape(); err != nil {
				return nil, err
			}
			i = s.off - 1
		}
	}
	s.off = len(s.data)
	return nil, s.syntaxError("in string literal")
}

// escape checks the escape sequence after a backslash.
func (s *jsonScanner) escape() error {
	switch s.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.off++
		return nil
	case 'u':
		s.off++
		for range 4 {
			if !isHexDigit(s.peek()) {
				return s.syntaxError("in \\u hexadecimal character escape")
			}
			s.off++
		}
		return nil
	}
	return s.syntaxError("in string escape code")
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; what
// follows it is the caller's to check.
func (s *jsonScanner) number() error {
	if s.peek() == '-' {
		s.off++
	}
	switch c := s.peek(); {
	case c == '0':
		s.off++
	case isDigit(c):
		s.digits()
	default:
		return s.syntaxError("in numeric literal")
	}
	if s.peek() == '.' {
		s.off++
		if !isDigit(s.peek()) {
			return s.syntaxError("after decimal point in numeric literal")
		}
		s.digits()
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.off++
		if c := s.peek(); c == '+' || c == '-' {
			s.off++
		}
		if !isDigit(s.peek()) {
			return s.syntaxError("in exponent of numeric literal")
		}
		s.digits()
	}
	return nil
}

func (s *jsonScanner) digits() {
	for isDigit(s.peek()) {
		s.off++
	}
}

// literal checks that true, false or null is at s.off.
func (s *jsonScanner) literal(want string) error {
	for i := range len(want) {
		if s.peek() != want[i] {
			return s.syntaxError("in literal " + want)
		}
		s.off++
	}
	return nil
}
