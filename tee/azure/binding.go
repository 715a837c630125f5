package azure

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

var (
	// ErrNoExpectedReportData means there is nothing to bind the quote to.
	// Upstream refuses it too ("unexpected empty report data").
	ErrNoExpectedReportData = errors.New("azure: no expected report data to check the vTPM quote against")
	// ErrVarDataMismatch means the hardware report does not bind this HCL
	// var-data, and so not its AK.
	ErrVarDataMismatch = errors.New("azure: HCL var-data digest does not match the hardware report's REPORT_DATA")
	// ErrUserDataMismatch means the var-data's user-data does not start
	// with the expected report data (evidence version 2 and later).
	ErrUserDataMismatch = errors.New("azure: HCL user-data does not start with the expected report data")
)

// Expected holds what the evidence must be bound to.
type Expected struct {
	// ReportData is the runtime-data digest; the vTPM quote's nonce must
	// be exactly it.
	ReportData []byte
	// InitDataDigest, when not nil, is the SHA-256 init-data digest PCR 8
	// must have been extended with from zero.
	InitDataDigest []byte
}

// checkVTPM runs the checks both flavours share, cheapest first: the HCL
// report holds a report of type want, the vTPM quote is signed by its AK,
// bound to the report data and to the PCR values sent, the var-data's
// user-data carries the report data (version 2 on) and PCR 8 the
// init-data. It returns the HCL report, whose hardware report the caller
// verifies.
func checkVTPM(q *TPMQuote, rawHCL []byte, version int, want Expected, reportType ReportType) (*HCLReport, error) {
	if len(want.ReportData) == 0 {
		return nil, ErrNoExpectedReportData
	}
	hcl, err := ParseHCLReport(rawHCL)
	if err != nil {
		return nil, err
	}
	if hcl.Type != reportType {
		return nil, fmt.Errorf("%w: %v, want %v", ErrReportType, hcl.Type, reportType)
	}
	ak, err := hcl.AKPublic()
	if err != nil {
		return nil, err
	}
	if err := q.verify(ak, want.ReportData); err != nil {
		return nil, err
	}
	if version >= VersionUserData {
		if err := checkUserData(hcl, want.ReportData); err != nil {
			return nil, err
		}
	}
	if want.InitDataDigest != nil {
		if err := q.checkInitData(want.InitDataDigest); err != nil {
			return nil, err
		}
	}
	return hcl, nil
}

func checkUserData(hcl *HCLReport, reportData []byte) error {
	userData, err := hcl.UserData()
	if err != nil {
		return err
	}
	if len(userData) < len(reportData) || subtle.ConstantTimeCompare(userData[:len(reportData)], reportData) != 1 {
		return ErrUserDataMismatch
	}
	return nil
}

// checkVarData checks the hardware report's REPORT_DATA starts with the
// var-data's SHA-256; upstream leaves the remaining bytes unchecked.
func checkVarData(hcl *HCLReport, reportData []byte) error {
	hash := hcl.VarDataHash()
	if len(reportData) < sha256.Size || subtle.ConstantTimeCompare(reportData[:sha256.Size], hash[:]) != 1 {
		return ErrVarDataMismatch
	}
	return nil
}
