package jsonscan

import (
	"fmt"
	"strconv"
)

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; what
// follows it is the caller's to check.
func (s *Scanner[T]) number() error {
	start := s.off
	if s.Peek() == '-' {
		s.off++
	}
	switch c := s.Peek(); {
	case c == '0':
		s.off++
	case isDigit(c):
		s.digits()
	default:
		return s.syntaxError("in numeric literal")
	}
	if s.Peek() == '.' {
		s.off++
		if !isDigit(s.Peek()) {
			return s.syntaxError("after decimal point in numeric literal")
		}
		s.digits()
	}
	if c := s.Peek(); c == 'e' || c == 'E' {
		s.off++
		if c := s.Peek(); c == '+' || c == '-' {
			s.off++
		}
		if !isDigit(s.Peek()) {
			return s.syntaxError("in exponent of numeric literal")
		}
		s.digits()
	}
	if s.RefuseFloatOverflow {
		if _, err := strconv.ParseFloat(string(s.data[start:s.off]), 64); err != nil {
			return fmt.Errorf("number %s does not fit a float64", s.data[start:s.off])
		}
	}
	return nil
}

func (s *Scanner[T]) digits() {
	for isDigit(s.Peek()) {
		s.off++
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// str checks the string at the cursor, moves past it and returns its raw
// contents. Like encoding/json it refuses control characters and bad
// escapes but not invalid UTF-8.
func (s *Scanner[T]) str() (T, error) {
	start := s.off + 1 // after '"'
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.off = i + 1
			return s.data[start:i], nil
		case c < 0x20:
			s.off = i
			return s.data[:0], s.syntaxError("in string literal")
		case c == '\\':
			s.off = i + 1
			if err := s.escape(); err != nil {
				return s.data[:0], err
			}
			i = s.off - 1
		}
	}
	s.off = len(s.data)
	return s.data[:0], s.syntaxError("in string literal")
}

// escape checks the escape sequence after a backslash.
func (s *Scanner[T]) escape() error {
	switch s.Peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.off++
		return nil
	case 'u':
		s.off++
		for range 4 {
			if !isHexDigit(s.Peek()) {
				return s.syntaxError("in \\u hexadecimal character escape")
			}
			s.off++
		}
		return nil
	}
	return s.syntaxError("in string escape code")
}

func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// literal checks that true, false or null is at the cursor.
func (s *Scanner[T]) literal(want string) error {
	for i := range len(want) {
		if s.Peek() != want[i] {
			return s.syntaxError("in literal " + want)
		}
		s.off++
	}
	return nil
}
