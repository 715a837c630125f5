package storagetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// checkedHeader is the writer id and sequence number that open a checked
// value; a SHA-256 of everything before it closes the value.
const checkedHeader = 16

// NewCheckedValue returns a self-checking value of size bytes (at least
// 48): the writer id, the sequence number seq, a filler derived from both,
// and a SHA-256 over all of that. ParseCheckedValue recognises a torn,
// truncated, empty or mixed value as corrupt.
func NewCheckedValue(id, seq uint64, size int) []byte {
	size = max(size, checkedHeader+sha256.Size)
	v := make([]byte, size)
	binary.BigEndian.PutUint64(v[0:], id)
	binary.BigEndian.PutUint64(v[8:], seq)
	body := v[checkedHeader : size-sha256.Size]
	for i := range body {
		body[i] = byte(seq + id*31 + uint64(i)*7)
	}
	sum := sha256.Sum256(v[:size-sha256.Size])
	copy(v[size-sha256.Size:], sum[:])
	return v
}

// ErrCorruptValue reports a value that NewCheckedValue did not produce.
var ErrCorruptValue = errors.New("storagetest: corrupt checked value")

// ParseCheckedValue verifies v and returns its writer id and sequence number.
func ParseCheckedValue(v []byte) (id, seq uint64, err error) {
	if len(v) < checkedHeader+sha256.Size {
		return 0, 0, fmt.Errorf("%w: %d bytes", ErrCorruptValue, len(v))
	}
	end := len(v) - sha256.Size
	sum := sha256.Sum256(v[:end])
	if !bytes.Equal(sum[:], v[end:]) {
		return 0, 0, fmt.Errorf("%w: checksum mismatch over %d bytes", ErrCorruptValue, len(v))
	}
	return binary.BigEndian.Uint64(v[0:]), binary.BigEndian.Uint64(v[8:]), nil
}
