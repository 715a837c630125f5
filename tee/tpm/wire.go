package tpm

import (
	"encoding/binary"
	"errors"
)

// errShort is what every TPM structure parser returns on truncated input.
var errShort = errors.New("truncated")

// reader reads big-endian TPM wire structures and never reads past its
// buffer: each method reports errShort instead.
type reader struct{ b []byte }

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(r.b) {
		return nil, errShort
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out, nil
}

func (r *reader) u8() (uint8, error) {
	b, err := r.bytes(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) u16() (uint16, error) {
	b, err := r.bytes(2)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(b), nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// sized reads a TPM2B: a 16-bit size and that many bytes.
func (r *reader) sized() ([]byte, error) {
	n, err := r.u16()
	if err != nil {
		return nil, err
	}
	return r.bytes(int(n))
}
