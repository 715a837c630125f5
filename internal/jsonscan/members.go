package jsonscan

// Members reads data, one whole JSON text, as json.Unmarshal into a struct
// or map does and calls member with the raw name (between its quotes) and
// raw value of each top-level member, in order. Like encoding/json it
// accepts null, with no members, and refuses any other value that is not
// an object with ErrNotObject.
func Members[T Input](data T, member func(name, value T) error) error {
	s := New(data)
	return s.Members(member)
}

// Members is the function Members over the scanner's whole input, for a
// scanner set up with RefuseFloatOverflow.
func (s *Scanner[T]) Members(member func(name, value T) error) error {
	s.SkipSpace()
	var err error
	switch s.Peek() {
	case '{':
		err = s.Object(func(name T) error {
			value, err := s.Value()
			if err != nil {
				return err
			}
			return member(name, value)
		})
	case 'n':
		_, err = s.Value()
	default:
		if _, err = s.Value(); err == nil {
			err = ErrNotObject
		}
	}
	if err != nil {
		return err
	}
	return s.End()
}
