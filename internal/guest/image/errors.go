package image

import "errors"

// Sentinel errors callers branch on; details are wrapped around them.
var (
	// ErrRejected: the image security policy refuses the image.
	ErrRejected = errors.New("image rejected by the security policy")
	// ErrBlocked: the registry configuration blocks the reference.
	ErrBlocked = errors.New("registry blocked by the registry configuration")
	// ErrDigestMismatch: content does not match the digest that names it.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrUnsafePath: a layer entry would leave the root file system.
	ErrUnsafePath = errors.New("unsafe path in layer")
	// ErrDecrypt: an encrypted layer's key could not be obtained or used.
	ErrDecrypt = errors.New("layer decryption")
	// ErrPolicy: the policy file is malformed.
	ErrPolicy = errors.New("image security policy")
	// ErrRegistryConfig: the registry configuration is malformed.
	ErrRegistryConfig = errors.New("registry configuration")
)
