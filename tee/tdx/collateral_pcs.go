package tdx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// IntelPCS is Intel's Provisioning Certification Service, upstream's
// default collateral service.
const IntelPCS = "https://api.trustedservices.intel.com/sgx/certification/v4/"

// maxCollateralSize bounds a PCS response body.
const maxCollateralSize = 1 << 20

// PCS fetches collateral from Intel PCS or a PCCS. Like upstream, only the
// scheme and host of URL are kept: endpoints are rebuilt from the root.
type PCS struct {
	URL string
	// Update is the TCB update type, "early" or "standard" (upstream's
	// tcb_update_type); empty means "early".
	Update string
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
}

var _ CollateralSource = (*PCS)(nil)

// RawCollateral implements CollateralSource.
func (p *PCS) RawCollateral(ctx context.Context, fmspc string) (*RawCollateral, error) {
	if !isFMSPC(fmspc) {
		return nil, fmt.Errorf("%w: FMSPC %q", ErrCollateral, fmspc)
	}
	update := p.Update
	if update == "" {
		update = "early"
	}
	tcb, chain, err := p.get(ctx, "tdx/certification/v4/tcb", url.Values{"fmspc": {fmspc}, "update": {update}}, "TCB-Info-Issuer-Chain")
	if err != nil {
		return nil, err
	}
	qe, _, err := p.get(ctx, "tdx/certification/v4/qe/identity", url.Values{"update": {update}}, "SGX-Enclave-Identity-Issuer-Chain")
	if err != nil {
		return nil, err
	}
	return &RawCollateral{TCBInfo: tcb, QEIdentity: qe, IssuerChain: chain}, nil
}

func (p *PCS) get(ctx context.Context, path string, query url.Values, chainHeader string) (body, chain []byte, err error) {
	base, err := url.Parse(p.URL)
	if err != nil || base.Host == "" {
		return nil, nil, fmt.Errorf("tdx: collateral service URL %q is not absolute", p.URL)
	}
	u := url.URL{Scheme: base.Scheme, Host: base.Host, Path: "/" + path, RawQuery: query.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("tdx: collateral request: %w", err)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("tdx: fetch collateral: %w", err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: nothing to lose on close
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%w: %s answered %s", ErrCollateral, u.Redacted(), resp.Status)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxCollateralSize))
	if err != nil {
		return nil, nil, fmt.Errorf("tdx: read collateral: %w", err)
	}
	decoded, err := url.QueryUnescape(resp.Header.Get(chainHeader))
	if err != nil || decoded == "" {
		return nil, nil, fmt.Errorf("%w: %s header missing or malformed", ErrCollateral, chainHeader)
	}
	return body, []byte(decoded), nil
}
