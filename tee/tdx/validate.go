package tdx

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/tee/ccel"
)

var (
	// ErrNoExpectedReportData means the caller gave nothing to bind the
	// quote to; upstream skips the check then, we refuse replayable quotes.
	ErrNoExpectedReportData = errors.New("tdx: no expected report data to check the quote against")
	// ErrReportDataMismatch means the quote is bound to other runtime data.
	ErrReportDataMismatch = errors.New("tdx: REPORT_DATA does not match the expected runtime-data digest")
	// ErrInitDataMismatch means MRCONFIGID is not the init-data digest.
	ErrInitDataMismatch = errors.New("tdx: MRCONFIGID does not match the init-data digest")
)

// Regularize zero-pads or truncates b to n bytes, as upstream compares
// digests with report fields.
func Regularize(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}

// CheckReportData checks REPORT_DATA == Regularize(expected, 64).
func CheckReportData(q *Quote, expected []byte) error {
	if len(expected) == 0 {
		return ErrNoExpectedReportData
	}
	if subtle.ConstantTimeCompare(Regularize(expected, reportDataSize), q.Body.ReportData[:]) != 1 {
		return ErrReportDataMismatch
	}
	return nil
}

// CheckInitData checks MRCONFIGID == Regularize(digest, 48).
func CheckInitData(q *Quote, digest []byte) error {
	if subtle.ConstantTimeCompare(Regularize(digest, measurementSize), q.Body.MRConfigID[:]) != 1 {
		return ErrInitDataMismatch
	}
	return nil
}

// CheckEventLog parses the event log and replays CC measurement registers
// 1 to 4 against RTMR0 to RTMR3.
func CheckEventLog(q *Quote, eventlog []byte) (*ccel.EventLog, error) {
	log, err := ccel.Parse(eventlog)
	if err != nil {
		return nil, fmt.Errorf("tdx: cc_eventlog: %w", err)
	}
	refs := make([]ccel.Reference, len(q.Body.RTMRs))
	for i := range q.Body.RTMRs {
		refs[i] = ccel.Reference{Index: uint32(i + 1), Alg: ccel.AlgSHA384, Value: q.Body.RTMRs[i][:]}
	}
	if err := log.Verify(refs); err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	return log, nil
}
