package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// maxSignatureSize bounds one signature and one signed payload.
const maxSignatureSize = 4 << 20

// parseGPGKeyring reads an armored or binary OpenPGP public keyring.
func parseGPGKeyring(b []byte) (openpgp.EntityList, error) {
	var (
		ring openpgp.EntityList
		err  error
	)
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) {
		ring, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(b))
	} else {
		ring, err = openpgp.ReadKeyRing(bytes.NewReader(b))
	}
	if err != nil {
		return nil, fmt.Errorf("GPG keyring: %w", err)
	}
	if len(ring) == 0 {
		return nil, errors.New("GPG keyring: no keys")
	}
	return ring, nil
}

// verifySimpleSigning checks an OpenPGP signed message (what skopeo
// --sign-by writes) against ring and returns the signed payload.
func verifySimpleSigning(ring openpgp.EntityList, sig []byte) ([]byte, error) {
	md, err := openpgp.ReadMessage(bytes.NewReader(sig), ring, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("GPG signature: %w", err)
	}
	if !md.IsSigned {
		return nil, errors.New("GPG signature: the message is not signed")
	}
	payload, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, maxSignatureSize+1))
	if err != nil {
		return nil, fmt.Errorf("GPG signature: %w", err)
	}
	if len(payload) > maxSignatureSize {
		return nil, errors.New("GPG signature: payload too large")
	}
	if md.SignatureError != nil {
		return nil, fmt.Errorf("GPG signature: %w", md.SignatureError)
	}
	if md.SignedBy == nil || md.Signature == nil {
		return nil, errors.New("GPG signature: not made by a trusted key")
	}
	return payload, nil
}
