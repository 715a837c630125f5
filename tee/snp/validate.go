package snp

import (
	"crypto/subtle"
	"errors"
	"fmt"
)

// Errors of validation; callers branch on them.
var (
	// ErrNoExpectedReportData means the caller gave nothing to bind the
	// report to. Upstream skips the check then; we refuse, since a report
	// bound to nothing can be replayed.
	ErrNoExpectedReportData = errors.New("snp: no expected report data to check the report against")
	// ErrReportDataMismatch means the report is bound to other runtime data.
	ErrReportDataMismatch = errors.New("snp: report data does not match the expected runtime-data digest")
	// ErrHostDataMismatch means the guest was launched with other init-data.
	ErrHostDataMismatch = errors.New("snp: HOSTDATA does not match the init-data digest")
	// ErrVMPL means the report was not requested from VMPL 0, the guest's
	// most privileged level.
	ErrVMPL = errors.New("snp: report not requested at VMPL 0")
)

// Expected holds the values a report must be bound to.
type Expected struct {
	// ReportData is the runtime-data digest; REPORT_DATA must equal it
	// zero-padded (or truncated) to 64 bytes.
	ReportData []byte
	// InitDataDigest, when not nil, is the init-data digest; HOSTDATA must
	// equal it zero-padded (or truncated) to 32 bytes.
	InitDataDigest []byte
}

// Validate checks a verified report's bindings: VMPL 0, REPORT_DATA and,
// when init-data is expected, HOSTDATA. Comparisons are constant-time.
func Validate(r *AttestationReport, want Expected) error {
	if r.VMPL != 0 {
		return fmt.Errorf("%w: VMPL %d", ErrVMPL, r.VMPL)
	}
	if len(want.ReportData) == 0 {
		return ErrNoExpectedReportData
	}
	if subtle.ConstantTimeCompare(Regularize(want.ReportData, ReportDataSize), r.ReportData) != 1 {
		return ErrReportDataMismatch
	}
	if want.InitDataDigest != nil && subtle.ConstantTimeCompare(Regularize(want.InitDataDigest, HostDataSize), r.HostData) != 1 {
		return ErrHostDataMismatch
	}
	return nil
}

// Regularize returns b zero-padded or truncated to n bytes, upstream's
// regularize_data.
func Regularize(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}
