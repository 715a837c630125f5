package kbs

import (
	"bytes"
	"crypto/aes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	josecipher "github.com/go-jose/go-jose/v4/cipher"
)

// RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
func TestAESKeyWrapRFC3394Vector(t *testing.T) {
	kek, _ := hex.DecodeString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
	cek, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
	want, _ := hex.DecodeString("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
	var wrapped [wrappedKeySize]byte
	if err := aesKeyWrap(&wrapped, kek, cek); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wrapped[:], want) {
		t.Errorf("wrapped %X, want %X", wrapped, want)
	}
	var unwrapped [cekSize]byte
	if err := aesKeyUnwrap(&unwrapped, kek, want); err != nil || !bytes.Equal(unwrapped[:], cek) {
		t.Errorf("unwrapped %X, %v; want %X", unwrapped, err, cek)
	}
}

func TestAESKeyWrapMatchesGoJose(t *testing.T) {
	for range 20 {
		kek, cek := randomBytes(t, 32), randomBytes(t, cekSize)
		block, err := aes.NewCipher(kek)
		if err != nil {
			t.Fatal(err)
		}
		want, err := josecipher.KeyWrap(block, cek)
		if err != nil {
			t.Fatal(err)
		}
		var wrapped [wrappedKeySize]byte
		if err := aesKeyWrap(&wrapped, kek, cek); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(wrapped[:], want) {
			t.Fatalf("wrapped %x, go-jose %x", wrapped, want)
		}
		var unwrapped [cekSize]byte
		if err := aesKeyUnwrap(&unwrapped, kek, want); err != nil || !bytes.Equal(unwrapped[:], cek) {
			t.Fatalf("unwrapped go-jose's %x: %x, %v", want, unwrapped, err)
		}
	}
}

func TestAESKeyUnwrapRejectsTampering(t *testing.T) {
	kek, cek := randomBytes(t, 32), randomBytes(t, cekSize)
	var wrapped [wrappedKeySize]byte
	if err := aesKeyWrap(&wrapped, kek, cek); err != nil {
		t.Fatal(err)
	}
	for bit := range 8 * wrappedKeySize {
		tampered := wrapped
		tampered[bit/8] ^= 1 << (bit % 8)
		var unwrapped [cekSize]byte
		if err := aesKeyUnwrap(&unwrapped, kek, tampered[:]); !errors.Is(err, errUnwrap) {
			t.Fatalf("bit %d flipped: %v, want errUnwrap", bit, err)
		}
		if unwrapped != [cekSize]byte{} {
			t.Fatalf("bit %d flipped: key material %x left behind", bit, unwrapped)
		}
	}
	otherKEK := randomBytes(t, 32)
	var unwrapped [cekSize]byte
	if err := aesKeyUnwrap(&unwrapped, otherKEK, wrapped[:]); !errors.Is(err, errUnwrap) {
		t.Errorf("other KEK: %v, want errUnwrap", err)
	}
	for _, n := range []int{0, 8, 16, 32, 39, 41, 48} {
		if err := aesKeyUnwrap(&unwrapped, kek, make([]byte, n)); !errors.Is(err, errUnwrap) {
			t.Errorf("%d-byte wrapped key: %v, want errUnwrap", n, err)
		}
	}
}

func randomBytes(tb testing.TB, n int) []byte {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}
