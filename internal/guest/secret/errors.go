package secret

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrMalformed: the input is not a sealed secret or its JSON is not a
	// valid secret.
	ErrMalformed = errors.New("malformed sealed secret")
	// ErrSignature: the signature does not verify with the kid's key.
	ErrSignature = errors.New("sealed secret signature does not verify")
	// ErrVerificationKey: the kid's key cannot be found or is not a P-256 JWK.
	ErrVerificationKey = errors.New("sealed secret verification key")
	// ErrVersion: the secret's version is not the supported one.
	ErrVersion = errors.New("sealed secret version not supported")
	// ErrUnsupportedProvider: the secret needs a KMS Cocoon does not have.
	ErrUnsupportedProvider = errors.New("sealed secret provider not supported")
	// ErrDecrypt: a key or ciphertext does not decrypt.
	ErrDecrypt = errors.New("sealed secret does not decrypt")
)
