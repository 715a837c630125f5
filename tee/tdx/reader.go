package tdx

import (
	"encoding/binary"
	"fmt"
)

// reader reads little-endian quote fields; reading past the end is an
// ErrMalformedQuote error naming the field.
type reader struct {
	b   []byte
	off int
}

func (r *reader) bytes(n int, field string) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.off {
		return nil, fmt.Errorf("%w: %s: need %d bytes at offset %d, have %d", ErrMalformedQuote, field, n, r.off, len(r.b)-r.off)
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

func (r *reader) copy(dst []byte, field string) error {
	b, err := r.bytes(len(dst), field)
	copy(dst, b)
	return err
}

func (r *reader) u16(field string) (uint16, error) {
	b, err := r.bytes(2, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *reader) u32(field string) (uint32, error) {
	b, err := r.bytes(4, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// certificationData reads a {type u16, size u32, data} block of the given type.
func (r *reader) certificationData(want uint16, field string) ([]byte, error) {
	typ, err := r.u16(field + " type")
	if err != nil {
		return nil, err
	}
	if typ != want {
		return nil, fmt.Errorf("%w: %s has type %d, want %d", ErrMalformedQuote, field, typ, want)
	}
	size, err := r.u32(field + " size")
	if err != nil {
		return nil, err
	}
	return r.bytes(int(size), field)
}
