package azure

import (
	"context"
	"fmt"
	"time"

	"github.com/cocoon-cc/cocoon/tee/snp"
)

// SNPOptions configures an SNPVerifier; the zero value trusts AMD's roots.
type SNPOptions struct {
	// Roots are the trusted AMD roots; nil means snp.AMDRoots.
	Roots *snp.Roots
	// Now is the time certificates must be valid at; nil means time.Now.
	Now func() time.Time
}

// SNPVerifier verifies "az-snp-vtpm" evidence. It keeps the VCEKs it
// verified (in tee/snp), so that a chip's next evidence costs one RSA and
// one ECDSA verification. It is safe for concurrent use.
type SNPVerifier struct {
	snp *snp.Verifier
}

// NewSNPVerifier returns an SNPVerifier. The VCEK always comes with the
// evidence, as upstream takes it: no other source is asked.
func NewSNPVerifier(opts SNPOptions) (*SNPVerifier, error) {
	v, err := snp.NewVerifier(snp.VerifierOptions{Roots: opts.Roots, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return &SNPVerifier{snp: v}, nil
}

// Verify parses and verifies "az-snp-vtpm" evidence and returns upstream's
// claims: the vTPM quote and its bindings (see Expected), the var-data
// hash in the SNP report's REPORT_DATA, the VCEK's chain to AMD's roots,
// the report's signature, reported TCB and chip id against the VCEK, and
// VMPL 0.
func (v *SNPVerifier) Verify(ctx context.Context, evidence []byte, want Expected) (map[string]any, error) {
	ev, err := ParseSNPEvidence(evidence)
	if err != nil {
		return nil, err
	}
	hcl, err := checkVTPM(&ev.TPMQuote, ev.HCLReport, ev.Version, want, ReportTypeSNP)
	if err != nil {
		return nil, err
	}
	report, err := hcl.SNPReport()
	if err != nil {
		return nil, err
	}
	if err := checkVarData(hcl, report.ReportData); err != nil {
		return nil, err
	}
	_, err = v.snp.Verify(ctx, &snp.Evidence{
		AttestationReport: *report,
		CertChain:         []snp.CertTableEntry{{CertType: snp.CertType{Name: snp.CertVCEK}, Data: ev.VCEK}},
	})
	if err != nil {
		return nil, err
	}
	// The paravisor runs at VMPL 0 and asks for the report; a report from
	// a lower VMPL was requested by the guest behind its back.
	if report.VMPL != 0 {
		return nil, fmt.Errorf("%w: VMPL %d", snp.ErrVMPL, report.VMPL)
	}
	claims := snpClaims(report)
	ev.TPMQuote.addClaims(claims, want.ReportData)
	return claims, nil
}
