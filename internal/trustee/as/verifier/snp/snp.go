// Package snp adapts the SEV-SNP verifier of tee/snp to the Attestation
// Service: verification, then validation of the bindings, then upstream's
// claims, of class cpu.
package snp

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/tee/snp"
)

var _ verifier.Verifier = (*Verifier)(nil)

// Options configures the verifier.
type Options struct {
	// VCEKSources are upstream's snp_verifier.vcek_sources: where to find
	// the VCEK of evidence that carries no certificate chain, in order.
	// Nil means upstream's default, AMD's KDS; empty means nowhere.
	VCEKSources []VCEKSource
	// HTTPClient makes KDS requests; nil means a default client.
	HTTPClient *http.Client
	// KDSTimeout bounds one KDS request; 0 means snp.DefaultKDSTimeout.
	KDSTimeout time.Duration
	// Roots replaces AMD's roots, for tests with a fake signer.
	Roots *snp.Roots
	// Now is the time certificates must be valid at; nil means time.Now.
	Now func() time.Time
	// Logger receives KDS failures; nil discards them.
	Logger *slog.Logger
}

// Verifier verifies "snp" evidence. It is safe for concurrent use.
type Verifier struct {
	v *snp.Verifier
}

// New returns a Verifier.
func New(opts Options) (*Verifier, error) {
	sources, err := buildSources(opts)
	if err != nil {
		return nil, err
	}
	v, err := snp.NewVerifier(snp.VerifierOptions{Roots: opts.Roots, Sources: sources, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return &Verifier{v: v}, nil
}

// Verify implements verifier.Verifier.
func (v *Verifier) Verify(ctx context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	ev, err := snp.ParseEvidence(evidence)
	if err != nil {
		return nil, err
	}
	verified, err := v.v.Verify(ctx, ev)
	if err != nil {
		return nil, err
	}
	if err := snp.Validate(verified.Report, snp.Expected{ReportData: expected.ReportData, InitDataDigest: expected.InitDataDigest}); err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: snp.Claims(verified.Report), Class: verifier.ClassCPU}}, nil
}
