package snp

import (
	"errors"
	"fmt"

	"github.com/google/go-sev-guest/abi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
)

// ErrMalformedReport means bytes are not an SEV-SNP ABI attestation report.
var ErrMalformedReport = errors.New("snp: malformed attestation report")

// Proto converts the report to go-sev-guest's representation, laying the
// TCB versions out for the report's processor. Fields the report's version
// does not have are left zero, as the sev crate encodes them.
func (r *AttestationReport) Proto() (*spb.Report, error) {
	l, err := r.layout()
	if err != nil {
		return nil, err
	}
	if err := r.checkSizes(); err != nil {
		return nil, err
	}
	p := &spb.Report{
		Version:         r.Version,
		GuestSvn:        r.GuestSVN,
		Policy:          r.Policy,
		FamilyId:        r.FamilyID,
		ImageId:         r.ImageID,
		Vmpl:            r.VMPL,
		SignatureAlgo:   r.SigAlgo,
		CurrentTcb:      r.CurrentTCB.raw(l),
		PlatformInfo:    r.PlatInfo,
		SignerInfo:      r.KeyInfo,
		ReportData:      r.ReportData,
		Measurement:     r.Measurement,
		HostData:        r.HostData,
		IdKeyDigest:     r.IDKeyDigest,
		AuthorKeyDigest: r.AuthorKeyDigest,
		ReportId:        r.ReportID,
		ReportIdMa:      r.ReportIDMA,
		ReportedTcb:     r.ReportedTCB.raw(l),
		ChipId:          r.ChipID,
		CommittedTcb:    r.CommittedTCB.raw(l),
		CurrentBuild:    uint32(r.Current.Build),
		CurrentMinor:    uint32(r.Current.Minor),
		CurrentMajor:    uint32(r.Current.Major),
		CommittedBuild:  uint32(r.Committed.Build),
		CommittedMinor:  uint32(r.Committed.Minor),
		CommittedMajor:  uint32(r.Committed.Major),
		LaunchTcb:       r.LaunchTCB.raw(l),
		Signature:       make([]byte, abi.SignatureSize),
	}
	if r.Version >= 3 {
		// CPUID_1_EAX keeps 4 bits of stepping; hardware never reports more.
		if *r.CPUIDStep > 0xF {
			return nil, fmt.Errorf("cpuid_step %d does not fit CPUID's 4 bits", *r.CPUIDStep)
		}
		p.Cpuid1EaxFms = abi.FmsToCpuid1Eax(*r.CPUIDFamID, *r.CPUIDModID, *r.CPUIDStep)
	}
	if r.Version >= 5 {
		p.LaunchMitVector = valueOr0(r.LaunchMitVector)
		p.CurrentMitVector = valueOr0(r.CurrentMitVector)
	}
	copy(p.Signature, r.Signature.R)
	copy(p.Signature[signatureRSSize:], r.Signature.S)
	return p, nil
}

func valueOr0(v *uint64) uint64 {
	if v == nil {
		return 0
	}
	return *v
}

// MarshalBinary returns the report in the SEV-SNP ABI (1184 bytes), the
// bytes its signature covers.
func (r *AttestationReport) MarshalBinary() ([]byte, error) {
	p, err := r.Proto()
	if err != nil {
		return nil, err
	}
	raw, err := abi.ReportToAbiBytes(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedReport, err)
	}
	return raw, nil
}

// ParseReport decodes an SEV-SNP ABI attestation report of versions 2 to
// 5, refusing non-zero reserved fields.
func ParseReport(raw []byte) (*AttestationReport, error) {
	if len(raw) != ReportSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrMalformedReport, len(raw), ReportSize)
	}
	p, err := abi.ReportToProto(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedReport, err)
	}
	r, err := ReportFromProto(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedReport, err)
	}
	return r, nil
}

// ReportFromProto converts go-sev-guest's representation to the sev
// crate's, reading the TCB versions with the layout of the report's
// processor.
func ReportFromProto(p *spb.Report) (*AttestationReport, error) {
	if len(p.GetSignature()) < 2*signatureRSSize {
		return nil, errors.New("signature too short")
	}
	r := &AttestationReport{
		Version:         p.GetVersion(),
		GuestSVN:        p.GetGuestSvn(),
		Policy:          p.GetPolicy(),
		FamilyID:        p.GetFamilyId(),
		ImageID:         p.GetImageId(),
		VMPL:            p.GetVmpl(),
		SigAlgo:         p.GetSignatureAlgo(),
		PlatInfo:        p.GetPlatformInfo(),
		KeyInfo:         p.GetSignerInfo(),
		ReportData:      p.GetReportData(),
		Measurement:     p.GetMeasurement(),
		HostData:        p.GetHostData(),
		IDKeyDigest:     p.GetIdKeyDigest(),
		AuthorKeyDigest: p.GetAuthorKeyDigest(),
		ReportID:        p.GetReportId(),
		ReportIDMA:      p.GetReportIdMa(),
		ChipID:          p.GetChipId(),
		Current:         Version{Major: uint8(p.GetCurrentMajor()), Minor: uint8(p.GetCurrentMinor()), Build: uint8(p.GetCurrentBuild())},
		Committed:       Version{Major: uint8(p.GetCommittedMajor()), Minor: uint8(p.GetCommittedMinor()), Build: uint8(p.GetCommittedBuild())},
		Signature: Signature{
			R: Bytes(p.GetSignature()[:signatureRSSize]),
			S: Bytes(p.GetSignature()[signatureRSSize : 2*signatureRSSize]),
		},
	}
	if r.Version >= 3 {
		fam, mod, step := abi.FmsFromCpuid1Eax(p.GetCpuid1EaxFms())
		r.CPUIDFamID, r.CPUIDModID, r.CPUIDStep = &fam, &mod, &step
	}
	if r.Version >= 5 {
		launch, current := p.GetLaunchMitVector(), p.GetCurrentMitVector()
		r.LaunchMitVector, r.CurrentMitVector = &launch, &current
	}
	l, err := r.layout()
	if err != nil {
		return nil, err
	}
	r.CurrentTCB = tcbFromRaw(p.GetCurrentTcb(), l)
	r.ReportedTCB = tcbFromRaw(p.GetReportedTcb(), l)
	r.CommittedTCB = tcbFromRaw(p.GetCommittedTcb(), l)
	r.LaunchTCB = tcbFromRaw(p.GetLaunchTcb(), l)
	if err := r.checkSizes(); err != nil {
		return nil, err
	}
	return r, nil
}
