// Package tdx adapts the Intel TDX verification of tee/tdx to the
// Attestation Service: evidence of TEE "tdx" yields one claim set of
// class cpu.
package tdx

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/tee/tdx"
)

var _ verifier.Verifier = (*Verifier)(nil)

// Options configure the verifier. They mirror upstream's dcap_verifier
// table (collateral_service, tcb_update_type) plus the trust anchor.
type Options struct {
	// CollateralService is a PCS or PCCS URL (default Intel PCS), or
	// file:///<dir> for a tdx.CollateralDir read offline.
	CollateralService string
	// TCBUpdateType is "early" (default) or "standard".
	TCBUpdateType string
	// RootCAPath is a PEM file of the Intel SGX Root CA. Roots, when
	// set, is used instead (tests, embedding).
	RootCAPath string
	Roots      *x509.CertPool
	// HTTPClient fetches collateral; nil means one with a 30 s timeout.
	HTTPClient *http.Client
	// CacheMaxAge bounds how long collateral is kept; zero means 24 h.
	CacheMaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies TDX evidence. It is safe for concurrent use.
type Verifier struct {
	appraiser *tdx.Appraiser
}

// New returns a verifier for opts.
func New(opts Options) (*Verifier, error) {
	roots, err := loadRoots(opts)
	if err != nil {
		return nil, err
	}
	source, err := collateralSource(opts)
	if err != nil {
		return nil, err
	}
	return &Verifier{appraiser: &tdx.Appraiser{
		Roots:      roots,
		Collateral: &tdx.CollateralCache{Source: source, Roots: roots, MaxAge: opts.CacheMaxAge, Now: opts.Now},
		Now:        opts.Now,
	}}, nil
}

func loadRoots(opts Options) (*x509.CertPool, error) {
	if opts.Roots != nil {
		return opts.Roots, nil
	}
	if opts.RootCAPath == "" {
		return nil, errors.New("tdx verifier: no Intel SGX Root CA configured (root_ca_path)")
	}
	pemBytes, err := os.ReadFile(opts.RootCAPath)
	if err != nil {
		return nil, fmt.Errorf("tdx verifier: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("tdx verifier: no certificate in %s", opts.RootCAPath)
	}
	return pool, nil
}

func collateralSource(opts Options) (tdx.CollateralSource, error) {
	service := opts.CollateralService
	if service == "" {
		service = tdx.IntelPCS
	}
	u, err := url.Parse(service)
	if err != nil {
		return nil, fmt.Errorf("tdx verifier: collateral_service: %w", err)
	}
	switch {
	case u.Scheme == "file" && u.Path != "":
		return tdx.CollateralDir(u.Path), nil
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
	default:
		return nil, fmt.Errorf("tdx verifier: collateral_service %q is neither an http(s) nor a file URL", service)
	}
	switch opts.TCBUpdateType {
	case "", "early", "standard":
	default:
		return nil, fmt.Errorf("tdx verifier: tcb_update_type %q, want early or standard", opts.TCBUpdateType)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &tdx.PCS{URL: service, Update: opts.TCBUpdateType, Client: client}, nil
}

// Verify implements verifier.Verifier.
func (v *Verifier) Verify(ctx context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	claims, err := v.appraiser.Appraise(ctx, evidence, tdx.Expected{
		ReportData:     expected.ReportData,
		InitDataDigest: expected.InitDataDigest,
	})
	if err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: claims, Class: verifier.ClassCPU}}, nil
}
