// Package binread reads little-endian binary structures from untrusted
// bytes. Every read is bounds-checked: running past the end returns an
// error naming the field, never a panic.
package binread

import (
	"encoding/binary"
	"fmt"
)

// Reader reads consecutive fields of b. Its errors wrap the malformed
// sentinel it was made with, so each format keeps its own error.
type Reader struct {
	b         []byte
	off       int
	malformed error
}

// New reads b from its start; reads past the end wrap malformed, which
// must not be nil.
func New(b []byte, malformed error) *Reader {
	return &Reader{b: b, malformed: malformed}
}

// Offset is how many bytes have been read.
func (r *Reader) Offset() int { return r.off }

// Remaining is how many bytes are left.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Peek returns the next n bytes without consuming them.
func (r *Reader) Peek(n int, field string) ([]byte, error) {
	if n < 0 || n > r.Remaining() {
		return nil, fmt.Errorf("%w: %s: need %d bytes at offset %d, have %d", r.malformed, field, n, r.off, r.Remaining())
	}
	// The capacity is cut so that appending to a field cannot overwrite
	// the bytes after it.
	return r.b[r.off : r.off+n : r.off+n], nil
}

// Bytes consumes the next n bytes; they alias the input.
func (r *Reader) Bytes(n int, field string) ([]byte, error) {
	b, err := r.Peek(n, field)
	if err != nil {
		return nil, err
	}
	r.off += n
	return b, nil
}

// Copy fills dst with the next len(dst) bytes.
func (r *Reader) Copy(dst []byte, field string) error {
	b, err := r.Bytes(len(dst), field)
	if err != nil {
		return err
	}
	copy(dst, b)
	return nil
}

// U8 reads one byte.
func (r *Reader) U8(field string) (uint8, error) {
	b, err := r.Bytes(1, field)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// U16 reads a little-endian uint16.
func (r *Reader) U16(field string) (uint16, error) {
	b, err := r.Bytes(2, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

// U32 reads a little-endian uint32.
func (r *Reader) U32(field string) (uint32, error) {
	b, err := r.Bytes(4, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// U64 reads a little-endian uint64.
func (r *Reader) U64(field string) (uint64, error) {
	b, err := r.Bytes(8, field)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}
