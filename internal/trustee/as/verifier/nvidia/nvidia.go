// Package nvidia adapts the local NVIDIA GPU verifier of tee/nvidia to the
// Attestation Service: every device of the evidence is verified, bound to
// the expected report data, and yields upstream's claims, of class gpu.
package nvidia

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

var _ verifier.Verifier = (*Verifier)(nil)

// Options configures the verifier.
type Options struct {
	// RootCAPath is the PEM file of NVIDIA's device identity root.
	RootCAPath string
	// Root replaces the file, for tests with a fake device.
	Root *nvidia.Root
	// OCSP turns on revocation checks of each device chain.
	OCSP bool
	// OCSPURL is the responder; "" means nvidia.DefaultOCSPURL.
	OCSPURL string
	// OCSPTimeout bounds one OCSP request; 0 means nvidia.DefaultOCSPTimeout.
	OCSPTimeout time.Duration
	// HTTPClient makes OCSP requests; nil means a default client.
	HTTPClient *http.Client
	// Now is the time certificates and OCSP answers must be valid at; nil
	// means time.Now.
	Now func() time.Time
}

// ErrNoRoot means neither Root nor RootCAPath is set.
var ErrNoRoot = errors.New("nvidia verifier: NVIDIA's device identity root is not configured (" + RootCAPathKey + ")")

// Verifier verifies "nvidia" evidence locally. It is safe for concurrent use.
type Verifier struct {
	v *nvidia.Verifier
}

// New returns a Verifier, reading the root file.
func New(opts Options) (*Verifier, error) {
	root := opts.Root
	if root == nil {
		if opts.RootCAPath == "" {
			return nil, ErrNoRoot
		}
		var err error
		if root, err = nvidia.LoadRoot(opts.RootCAPath); err != nil {
			return nil, fmt.Errorf("%s: %w", RootCAPathKey, err)
		}
	}
	var checker *nvidia.OCSPChecker
	if opts.OCSP {
		checker = nvidia.NewOCSPChecker(nvidia.OCSPOptions{URL: opts.OCSPURL, Client: opts.HTTPClient, Timeout: opts.OCSPTimeout, Now: opts.Now})
	}
	v, err := nvidia.NewVerifier(nvidia.VerifierOptions{Root: root, OCSP: checker, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return &Verifier{v: v}, nil
}

// Verify implements verifier.Verifier: one gpu claim set per device, in
// the evidence's order. Upstream adds a "ppcie" set for an 8-GPU, 4-switch
// topology, which only NVIDIA's remote service's claims can describe; the
// local verifier never yields one, as upstream's.
func (v *Verifier) Verify(ctx context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	ev, err := nvidia.ParseEvidence(evidence)
	if err != nil {
		return nil, err
	}
	sets := make([]verifier.ClaimSet, 0, len(ev.Devices))
	for i, d := range ev.Devices {
		verified, err := v.v.VerifyDevice(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("device %d: %w", i, err)
		}
		if err := nvidia.ValidateNonce(verified.Report, expected.ReportData); err != nil {
			return nil, fmt.Errorf("device %d: %w", i, err)
		}
		sets = append(sets, verifier.ClaimSet{Claims: nvidia.Claims(verified), Class: verifier.ClassGPU})
	}
	return sets, nil
}
