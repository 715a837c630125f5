// Package azsnp adapts the "az-snp-vtpm" verification of tee/azure (SEV-SNP
// behind Azure's paravisor, bound through its vTPM) to the Attestation
// Service: one claim set of class cpu. Like upstream it takes no
// verifier_config: the VCEK comes with the evidence and AMD's roots are
// built in.
package azsnp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/snp"
)

var _ verifier.Verifier = (*Verifier)(nil)

// Options configures the verifier; the zero value is upstream's.
type Options struct {
	// Roots replaces AMD's roots, for tests with a fake chip.
	Roots *snp.Roots
	// Now is the time certificates must be valid at; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies "az-snp-vtpm" evidence. It is safe for concurrent use.
type Verifier struct {
	v *azure.SNPVerifier
}

// New returns a Verifier.
func New(opts Options) (*Verifier, error) {
	v, err := azure.NewSNPVerifier(azure.SNPOptions{Roots: opts.Roots, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return &Verifier{v: v}, nil
}

// Verify implements verifier.Verifier.
func (v *Verifier) Verify(ctx context.Context, evidence json.RawMessage, expected verifier.Expected) ([]verifier.ClaimSet, error) {
	claims, err := v.v.Verify(ctx, evidence, azure.Expected{ReportData: expected.ReportData, InitDataDigest: expected.InitDataDigest})
	if err != nil {
		return nil, err
	}
	return []verifier.ClaimSet{{Claims: claims, Class: verifier.ClassCPU}}, nil
}
