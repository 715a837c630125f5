package kbs

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// AES Key Wrap (RFC 3394) of the 256-bit CEK, as A256KW uses it: n = 4
// 64-bit blocks, so the wrapped key is always wrappedKeySize bytes. It is
// written out instead of calling go-jose's KeyWrap, which allocates every
// block separately.
const (
	kwBlocks       = cekSize / 8
	wrappedKeySize = cekSize + 8
)

// kwIV is the default initial value A of RFC 3394 §2.2.3.1.
var kwIV = [8]byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}

// aesKeyWrap wraps cek under the AES key kek into dst.
func aesKeyWrap(dst *[wrappedKeySize]byte, kek, cek []byte) error {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	var b [aes.BlockSize]byte // A || R[i]
	copy(b[:8], kwIV[:])
	copy(dst[8:], cek)
	for j := range 6 {
		for i := range kwBlocks {
			r := dst[8+8*i : 16+8*i]
			copy(b[8:], r)
			block.Encrypt(b[:], b[:])
			t := uint64(kwBlocks*j + i + 1)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(b[:8])^t)
			copy(r, b[8:])
		}
	}
	copy(dst[:8], b[:8])
	return nil
}

// errUnwrap is the one answer to every wrapped key that fails to open.
var errUnwrap = errors.New("A256KW: cannot unwrap the content key")

// aesKeyUnwrap undoes aesKeyWrap into cek, checking the integrity value in
// constant time.
func aesKeyUnwrap(cek *[cekSize]byte, kek, wrapped []byte) error {
	if len(wrapped) != wrappedKeySize {
		return errUnwrap
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	var b [aes.BlockSize]byte
	copy(b[:8], wrapped[:8])
	copy(cek[:], wrapped[8:])
	for j := 5; j >= 0; j-- {
		for i := kwBlocks - 1; i >= 0; i-- {
			r := cek[8*i : 8+8*i]
			t := uint64(kwBlocks*j + i + 1)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(b[:8])^t)
			copy(b[8:], r)
			block.Decrypt(b[:], b[:])
			copy(r, b[8:])
		}
	}
	if subtle.ConstantTimeCompare(b[:8], kwIV[:]) != 1 {
		clear(cek[:])
		return errUnwrap
	}
	return nil
}
