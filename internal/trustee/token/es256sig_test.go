package token

import (
	"bytes"
	"crypto/elliptic"
	"math/big"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// derSignature encodes r and s as ecdsa.SignASN1 does.
func derSignature(r, s *big.Int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.BytesOrPanic()
}

// rawDER wraps INTEGER contents given as bytes, minimal or not, in a
// SEQUENCE, to write encodings no conforming encoder would.
func rawDER(contents ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, c := range contents {
			b.AddASN1(asn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(c) })
		}
	})
	return b.BytesOrPanic()
}

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return v
}

// Every r and s, short ones (leading zero bytes in the JWS form) and ones
// with the top bit set (a 0x00 sign byte in DER) included, lands
// right-aligned in its 32 bytes.
func TestJWSES256SignatureRoundTrips(t *testing.T) {
	n := elliptic.P256().Params().N
	nMinus1 := new(big.Int).Sub(n, big.NewInt(1))
	values := []*big.Int{
		big.NewInt(1),
		big.NewInt(0x80),                             // one byte with the top bit: DER 00 80
		hexInt(t, "ff"+strings.Repeat("00", 30)),     // 31 bytes, top bit set
		hexInt(t, "01"+strings.Repeat("00", 30)),     // 31 bytes: one leading zero byte
		hexInt(t, "7f"+strings.Repeat("ff", 31)),     // 32 bytes, no sign byte
		hexInt(t, "80"+strings.Repeat("00", 31)),     // 32 bytes, sign byte in DER
		hexInt(t, "0000ff"+strings.Repeat("ab", 29)), // two leading zero bytes
		nMinus1,
	}
	for _, r := range values {
		for _, s := range values {
			sig, err := jwsES256Signature(derSignature(r, s))
			if err != nil {
				t.Fatalf("r=%x s=%x: %v", r, s, err)
			}
			var want [2 * es256Size]byte
			r.FillBytes(want[:es256Size])
			s.FillBytes(want[es256Size:])
			if sig != want {
				t.Fatalf("r=%x s=%x: got %x, want %x", r, s, sig, want)
			}
		}
	}
}

// Anything but a strict DER encoding of r and s in [1, n-1] is refused.
func TestJWSES256SignatureRefusals(t *testing.T) {
	n := elliptic.P256().Params().N
	one := big.NewInt(1)
	good := derSignature(one, one)
	cases := map[string][]byte{
		"empty":               nil,
		"trailing data":       append(bytes.Clone(good), 0),
		"not a sequence":      good[2:],
		"one integer":         rawDER([]byte{1}),
		"three integers":      rawDER([]byte{1}, []byte{1}, []byte{1}),
		"r is zero":           derSignature(big.NewInt(0), one),
		"s is zero":           derSignature(one, big.NewInt(0)),
		"r is n":              derSignature(n, one),
		"s is n":              derSignature(one, n),
		"s above 32 bytes":    derSignature(one, new(big.Int).Lsh(one, 256)),
		"r is negative":       rawDER([]byte{0x80}, []byte{1}),
		"r is not minimal":    rawDER([]byte{0, 1}, []byte{1}),
		"s has empty INTEGER": rawDER([]byte{1}, nil),
		"33 bytes, no sign":   rawDER(bytes.Repeat([]byte{1}, 33), []byte{1}),
		"BER long length":     {0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},
	}
	for name, der := range cases {
		if sig, err := jwsES256Signature(der); err == nil {
			t.Errorf("%s: accepted %x as %x", name, der, sig)
		}
	}
}

// FuzzJWSES256Signature: no input panics, and whatever is accepted is the
// one DER encoding of two scalars in [1, n-1] that the output holds.
func FuzzJWSES256Signature(f *testing.F) {
	n := elliptic.P256().Params().N
	one := big.NewInt(1)
	f.Add(derSignature(one, one))
	f.Add(derSignature(new(big.Int).Sub(n, one), big.NewInt(0x80)))
	f.Add(derSignature(n, one))
	f.Add(rawDER([]byte{0, 1}, []byte{1}))
	f.Fuzz(func(t *testing.T, der []byte) {
		sig, err := jwsES256Signature(der)
		if err != nil {
			return
		}
		r := new(big.Int).SetBytes(sig[:es256Size])
		s := new(big.Int).SetBytes(sig[es256Size:])
		for _, v := range []*big.Int{r, s} {
			if v.Sign() <= 0 || v.Cmp(n) >= 0 {
				t.Fatalf("accepted %x with a scalar %x outside [1, n-1]", der, v)
			}
		}
		if !bytes.Equal(derSignature(r, s), der) {
			t.Fatalf("accepted %x, which is not the DER of r=%x s=%x", der, r, s)
		}
	})
}
