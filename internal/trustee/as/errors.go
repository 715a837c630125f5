package as

import "errors"

// Sentinel errors callers branch on (the KBS maps them to its responses).
var (
	// ErrNoEvidence means Evaluate was given no verification request.
	ErrNoEvidence = errors.New("as: no verification request")
	// ErrNoRuntimeData means a request had no runtime data to bind the
	// evidence to.
	ErrNoRuntimeData = errors.New("as: no runtime data to bind the evidence to")
	// ErrUnsupportedInitDataFormat means init-data came in a format other
	// than "toml", the only one defined.
	ErrUnsupportedInitDataFormat = errors.New("as: unsupported init-data format")
	// ErrInvalidInitData means the init-data document could not be parsed.
	ErrInvalidInitData = errors.New("as: invalid init-data")
	// ErrVerification means a verifier refused the evidence.
	ErrVerification = errors.New("as: evidence verification failed")
	// ErrInvalidClaims means a verifier emitted claims the service cannot
	// use (report_data or init_data that is not a string).
	ErrInvalidClaims = errors.New("as: invalid verifier claims")
	// ErrPolicyNotFound means no policy is stored under the requested id.
	ErrPolicyNotFound = errors.New("as: policy not found")
	// ErrInvalidPolicyID means a policy id is empty or has characters
	// outside [A-Za-z0-9_.-].
	ErrInvalidPolicyID = errors.New("as: invalid policy id")
)
