package tdx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CollateralDir serves collateral from a directory, for verifiers without
// network access. Its layout mirrors the PCS endpoints:
//
//	tcb_info/<FMSPC>.json   body of GET tdx/certification/v4/tcb?fmspc=<FMSPC>
//	qe_identity.json        body of GET tdx/certification/v4/qe/identity
//	issuer_chain.pem        their TCB-Info-Issuer-Chain header, URL-decoded
//
// <FMSPC> is 12 upper-case hex digits.
type CollateralDir string

var _ CollateralSource = CollateralDir("")

// RawCollateral implements CollateralSource.
func (d CollateralDir) RawCollateral(_ context.Context, fmspc string) (*RawCollateral, error) {
	if !isFMSPC(fmspc) {
		return nil, fmt.Errorf("%w: FMSPC %q", ErrCollateral, fmspc)
	}
	var raw RawCollateral
	for _, f := range []struct {
		dst  *[]byte
		name string
	}{
		{&raw.TCBInfo, filepath.Join("tcb_info", fmspc+".json")},
		{&raw.QEIdentity, "qe_identity.json"},
		{&raw.IssuerChain, "issuer_chain.pem"},
	} {
		b, err := os.ReadFile(filepath.Join(string(d), f.name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s not in %s", ErrCollateral, f.name, string(d))
		}
		if err != nil {
			return nil, fmt.Errorf("tdx: read collateral: %w", err)
		}
		*f.dst = b
	}
	return &raw, nil
}

// isFMSPC guards file names and URLs built from the quote's PCK.
func isFMSPC(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}
