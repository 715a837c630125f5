package ccel

import (
	"encoding/binary"
	"fmt"
)

// reader reads little-endian fields with bounds checks; every read past
// the end is an ErrMalformed error naming the field.
type reader struct {
	b   []byte
	off int
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) bytes(n int, field string) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, fmt.Errorf("%w: %s: need %d bytes at offset %d, have %d", ErrMalformed, field, n, r.off, r.remaining())
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *reader) u8(field string) (uint8, error) {
	b, err := r.bytes(1, field)
	if err != nil {
		return 0, err
	}
	return b[0], nil
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

func (r *reader) u64(field string) (uint64, error) {
	b, err := r.bytes(8, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}
