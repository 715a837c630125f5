package kbs

import (
	"crypto/aes"
	"errors"

	josecipher "github.com/go-jose/go-jose/v4/cipher"
)

// AES Key Wrap (RFC 3394) of the 256-bit CEK, as A256KW uses it: the
// wrapped key is always wrappedKeySize bytes. The wrapping itself is
// go-jose's; these adapters give it fixed-size buffers and one error.
const wrappedKeySize = cekSize + 8

// errUnwrap is the one answer to every wrapped key that fails to open.
var errUnwrap = errors.New("A256KW: cannot unwrap the content key")

// aesKeyWrap wraps cek under the AES key kek into dst.
func aesKeyWrap(dst *[wrappedKeySize]byte, kek, cek []byte) error {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	wrapped, err := josecipher.KeyWrap(block, cek)
	if err != nil {
		return err
	}
	if len(wrapped) != wrappedKeySize {
		return errors.New("A256KW: content key of the wrong size")
	}
	copy(dst[:], wrapped)
	return nil
}

// aesKeyUnwrap undoes aesKeyWrap into cek; go-jose checks the integrity
// value in constant time.
func aesKeyUnwrap(cek *[cekSize]byte, kek, wrapped []byte) error {
	if len(wrapped) != wrappedKeySize {
		return errUnwrap
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	plain, err := josecipher.KeyUnwrap(block, wrapped)
	if err != nil || len(plain) != cekSize {
		clear(cek[:])
		return errUnwrap
	}
	copy(cek[:], plain)
	clear(plain)
	return nil
}
