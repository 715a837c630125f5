package nvidia

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
)

// ErrBadSignature means the report signature does not verify under the
// signing certificate's key.
var ErrBadSignature = errors.New("nvidia: report signature verification failed")

// VerifySignature checks the report's raw ECDSA P-384 signature (r‖s)
// over SHA-384 of the signed part (request and response up to the
// signature), as upstream computes it.
func VerifySignature(r *Report, pub *ecdsa.PublicKey) error {
	sig := r.Response.Signature
	if len(sig) != HopperSignatureSize {
		return fmt.Errorf("%w: signature of %d bytes, want %d", ErrBadSignature, len(sig), HopperSignatureSize)
	}
	if pub == nil || pub.Curve != elliptic.P384() {
		return fmt.Errorf("%w: signing key is not ECDSA P-384", ErrBadSignature)
	}
	digest := sha512.Sum384(r.Signed)
	half := HopperSignatureSize / 2
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:half]), new(big.Int).SetBytes(sig[half:])) {
		return ErrBadSignature
	}
	return nil
}
