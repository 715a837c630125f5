package keyprovider

import "errors"

// Sentinel errors callers branch on; the gRPC edge maps them to codes.
var (
	// ErrInvalidRequest: the request or its parameters are malformed or
	// ask for something refused (INVALID_ARGUMENT).
	ErrInvalidRequest = errors.New("invalid key provider request")
	// ErrRegistration: Trustee did not store the KEK (UNAVAILABLE).
	ErrRegistration = errors.New("KEK registration in the KBS failed")
)
