package token

import (
	"bytes"
	"crypto/elliptic"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// es256Size is the byte length of each of r and s in an ES256 signature.
const es256Size = 32

// p256Order is the order n of P-256, big-endian: r and s lie in [1, n-1].
var p256Order = func() (n [es256Size]byte) {
	elliptic.P256().Params().N.FillBytes(n[:])
	return n
}()

// jwsES256Signature turns the DER ECDSA-Sig-Value (SEQUENCE of INTEGER r
// and s) that ecdsa.SignASN1 writes into the JWS form r || s, each
// left-padded to 32 bytes (RFC 7518 §3.4). Parsing the DER directly spares
// the two big.Ints ecdsa.Sign makes of it. Anything but a strict encoding of
// r and s in [1, n-1] is refused.
func jwsES256Signature(der []byte) ([2 * es256Size]byte, error) {
	var sig [2 * es256Size]byte
	var seq cryptobyte.String
	var r, s []byte
	in := cryptobyte.String(der)
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return sig, errors.New("ECDSA signature is not a DER SEQUENCE of two INTEGERs")
	}
	if !fillScalar(sig[:es256Size], r) || !fillScalar(sig[es256Size:], s) {
		return sig, errors.New("ECDSA signature r or s is not in [1, n-1] of P-256")
	}
	return sig, nil
}

// fillScalar writes v, a non-negative big-endian integer without leading
// zeros (as ReadASN1Integer gives it), right-aligned into dst, which is
// zero, and reports whether it is a valid P-256 scalar.
func fillScalar(dst, v []byte) bool {
	if len(v) > len(dst) || len(v) == 1 && v[0] == 0 {
		return false
	}
	copy(dst[len(dst)-len(v):], v)
	return bytes.Compare(dst, p256Order[:]) < 0
}
