package tdx

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/cocoon-cc/cocoon/tee/ccel"
)

// CollateralProvider returns verified collateral for an FMSPC;
// *CollateralCache is the usual one.
type CollateralProvider interface {
	Collateral(ctx context.Context, fmspc string) (*Collateral, error)
}

// Appraiser verifies TDX evidence end to end. It is safe for concurrent
// use when its CollateralProvider is.
type Appraiser struct {
	// Roots are the trusted SGX root CAs: Intel's in production.
	Roots *x509.CertPool
	// Collateral supplies the TCB info and QE identity of each platform.
	Collateral CollateralProvider
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Expected holds what the evidence must be bound to.
type Expected struct {
	// ReportData is the runtime-data digest, compared with REPORT_DATA
	// after zero padding to 64 bytes; it must not be empty.
	ReportData []byte
	// InitDataDigest, when set, must equal MRCONFIGID after zero padding
	// to 48 bytes.
	InitDataDigest []byte
}

// Appraise parses and verifies TDX evidence and returns upstream's claims
// with the DCAP supplemental claims merged in. It refuses the evidence
// when the quote's signatures, PCK chain, collateral, TCB status, report
// data, init-data or event-log replay do not check out.
func (a *Appraiser) Appraise(ctx context.Context, evidence []byte, want Expected) (map[string]any, error) {
	if a.Roots == nil || a.Collateral == nil {
		return nil, errors.New("tdx: appraiser needs trusted roots and a collateral provider")
	}
	rawQuote, eventlog, err := ParseEvidence(evidence)
	if err != nil {
		return nil, err
	}
	q, err := ParseQuote(rawQuote)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	pck, err := VerifyQuote(q, a.Roots, now)
	if err != nil {
		return nil, err
	}
	if err := CheckReportData(q, want.ReportData); err != nil {
		return nil, err
	}
	if want.InitDataDigest != nil {
		if err := CheckInitData(q, want.InitDataDigest); err != nil {
			return nil, err
		}
	}
	var log *ccel.EventLog
	if eventlog != nil {
		if log, err = CheckEventLog(q, eventlog); err != nil {
			return nil, err
		}
	}
	collateral, err := a.Collateral.Collateral(ctx, pck.FMSPC())
	if err != nil {
		return nil, fmt.Errorf("tdx: collateral for FMSPC %s: %w", pck.FMSPC(), err)
	}
	tcb, err := EvaluateTCB(q, pck, collateral)
	if err != nil {
		return nil, err
	}
	claims := Claims(q, pck, log)
	maps.Copy(claims, SupplementalClaims(tcb, pck, collateral, now))
	return claims, nil
}
