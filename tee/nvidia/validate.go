package nvidia

import (
	"crypto/subtle"
	"errors"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

var (
	// ErrNoExpectedReportData means there is nothing to bind the report
	// to; upstream refuses then too ("report data not provided").
	ErrNoExpectedReportData = errors.New("nvidia: no expected report data to check the report nonce against")
	// ErrNonceMismatch means the report answers another challenge.
	ErrNonceMismatch = errors.New("nvidia: report nonce does not match the expected report data")
)

// ValidateNonce checks the request nonce == Regularize(expected, 32): the
// runtime-data digest truncated (SHA-384) or zero-padded to the SPDM nonce.
func ValidateNonce(r *Report, expectedReportData []byte) error {
	if len(expectedReportData) == 0 {
		return ErrNoExpectedReportData
	}
	if subtle.ConstantTimeCompare(kbs.Regularize(expectedReportData, NonceSize), r.Request.Nonce[:]) != 1 {
		return ErrNonceMismatch
	}
	return nil
}
