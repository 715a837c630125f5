package azuretest

import (
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/cocoon-cc/cocoon/tee/azure"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

// SNP is a fake Azure SEV-SNP VM on a fake Milan chip.
type SNP struct {
	Chip *snptest.Platform
	VTPM *VTPM
}

// NewSNP returns a fake SNP VM.
func NewSNP(t testing.TB) *SNP {
	t.Helper()
	chip := snptest.NewPlatform(t, snp.Milan, snptest.ChipID(snp.Milan, 7), snptest.DefaultTCB(snp.Milan))
	return &SNP{Chip: chip, VTPM: NewVTPM(t)}
}

// Roots are the fake AMD roots the chip's VCEK chains to.
func (s *SNP) Roots() *snp.Roots { return s.Chip.Roots }

// Evidence returns "az-snp-vtpm" evidence JSON for in. edit, when not nil,
// changes the SNP report before the chip signs it.
func (s *SNP) Evidence(t testing.TB, in Inputs, edit func(*snp.AttestationReport)) []byte {
	t.Helper()
	varData := s.VTPM.VarData(t, in)
	hash := sha256.Sum256(varData)
	report := s.Chip.Report(2, hash[:])
	if edit != nil {
		edit(report)
	}
	s.Chip.Sign(t, report)
	raw, err := report.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	ev := &azure.SNPEvidence{
		Version:   in.Version,
		TPMQuote:  s.VTPM.Quote(t, in.ReportData, PCRs(in.InitDataDigest)),
		HCLReport: HCLReport(azure.ReportTypeSNP, raw, varData),
		VCEK:      s.Chip.Signer.Vcek.Raw,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
