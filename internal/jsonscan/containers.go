package jsonscan

import "errors"

// Object checks the object at the cursor and moves past it. For each
// member it calls member, when not nil, with the raw name (between its
// quotes) and the cursor at the value, which member must consume, with
// Value or by walking it; a nil member skips the values.
func (s *Scanner[T]) Object(member func(name T) error) error {
	if err := s.open('{', "object"); err != nil {
		return err
	}
	if s.Peek() == '}' {
		s.close()
		return nil
	}
	for {
		if s.Peek() != '"' {
			return s.syntaxError("looking for beginning of object key string")
		}
		name, err := s.str()
		if err != nil {
			return err
		}
		s.SkipSpace()
		if s.Peek() != ':' {
			return s.syntaxError("after object key")
		}
		s.off++
		s.SkipSpace()
		if member == nil {
			_, err = s.Value()
		} else {
			err = member(name)
		}
		if err != nil {
			return err
		}
		s.SkipSpace()
		switch s.Peek() {
		case ',':
			s.off++
			s.SkipSpace()
		case '}':
			s.close()
			return nil
		default:
			return s.syntaxError("after object key:value pair")
		}
	}
}

// Array checks the array at the cursor and moves past it. For each
// element it calls element, when not nil, with the cursor at the element,
// which element must consume; a nil element skips them.
func (s *Scanner[T]) Array(element func() error) error {
	if err := s.open('[', "array"); err != nil {
		return err
	}
	if s.Peek() == ']' {
		s.close()
		return nil
	}
	for {
		var err error
		if element == nil {
			_, err = s.Value()
		} else {
			err = element()
		}
		if err != nil {
			return err
		}
		s.SkipSpace()
		switch s.Peek() {
		case ',':
			s.off++
			s.SkipSpace()
		case ']':
			s.close()
			return nil
		default:
			return s.syntaxError("after array element")
		}
	}
}

// open enters the object or array that delim starts at the cursor.
func (s *Scanner[T]) open(delim byte, kind string) error {
	if s.Peek() != delim {
		return s.syntaxError("looking for beginning of " + kind)
	}
	if s.depth++; s.depth > MaxDepth {
		return errors.New("exceeded max depth")
	}
	s.off++
	s.SkipSpace()
	return nil
}

// close leaves the container whose closing delimiter is at the cursor.
func (s *Scanner[T]) close() {
	s.depth--
	s.off++
}
