package snp

import "fmt"

// AttestationReport is an SEV-SNP attestation report in the shape of
// upstream's sev crate (v7) serde encoding: the members, their order and
// their JSON types are those Trustee and guest-components exchange. Byte
// fields are JSON arrays of integers; bitfields (policy, plat_info,
// key_info) are plain numbers; fields a report version lacks are null.
type AttestationReport struct {
	Version     uint32     `json:"version"`
	GuestSVN    uint32     `json:"guest_svn"`
	Policy      uint64     `json:"policy"`
	FamilyID    Bytes      `json:"family_id"`
	ImageID     Bytes      `json:"image_id"`
	VMPL        uint32     `json:"vmpl"`
	SigAlgo     uint32     `json:"sig_algo"`
	CurrentTCB  TcbVersion `json:"current_tcb"`
	PlatInfo    uint64     `json:"plat_info"`
	KeyInfo     uint32     `json:"key_info"`
	ReportData  Bytes      `json:"report_data"`
	Measurement Bytes      `json:"measurement"`
	HostData    Bytes      `json:"host_data"`
	IDKeyDigest Bytes      `json:"id_key_digest"`
	// AuthorKeyDigest is zero unless the ID block was signed by an author key.
	AuthorKeyDigest Bytes      `json:"author_key_digest"`
	ReportID        Bytes      `json:"report_id"`
	ReportIDMA      Bytes      `json:"report_id_ma"`
	ReportedTCB     TcbVersion `json:"reported_tcb"`
	// CPUIDFamID, CPUIDModID and CPUIDStep are set from version 3 on.
	CPUIDFamID   *uint8     `json:"cpuid_fam_id"`
	CPUIDModID   *uint8     `json:"cpuid_mod_id"`
	CPUIDStep    *uint8     `json:"cpuid_step"`
	ChipID       Bytes      `json:"chip_id"`
	CommittedTCB TcbVersion `json:"committed_tcb"`
	Current      Version    `json:"current"`
	Committed    Version    `json:"committed"`
	LaunchTCB    TcbVersion `json:"launch_tcb"`
	// LaunchMitVector and CurrentMitVector are set from version 5 on.
	LaunchMitVector  *uint64   `json:"launch_mit_vector"`
	CurrentMitVector *uint64   `json:"current_mit_vector"`
	Signature        Signature `json:"signature"`
}

// TcbVersion is a TCB_VERSION: security version numbers of the AMD secure
// processor firmware and microcode. FMC exists on Turin and later only.
type TcbVersion struct {
	FMC        *uint8 `json:"fmc"`
	Bootloader uint8  `json:"bootloader"`
	TEE        uint8  `json:"tee"`
	SNP        uint8  `json:"snp"`
	Microcode  uint8  `json:"microcode"`
}

// Version is the firmware version: major.minor, build.
type Version struct {
	Major uint8 `json:"major"`
	Minor uint8 `json:"minor"`
	Build uint8 `json:"build"`
}

// Signature is the report's ECDSA P-384 signature, R and S as 72-byte
// little-endian integers as in the binary report.
type Signature struct {
	R Bytes `json:"r"`
	S Bytes `json:"s"`
}

// Field sizes of the binary report.
const (
	ReportSize       = 0x4A0
	ReportDataSize   = 64
	HostDataSize     = 32
	MeasurementSize  = 48
	ChipIDSize       = 64
	signatureRSSize  = 72
	minReportVersion = 2
	maxReportVersion = 5
)

// The names of the members serde requires (every non-Option field).
var (
	reportRequired = []string{
		"version", "guest_svn", "policy", "family_id", "image_id", "vmpl", "sig_algo",
		"current_tcb", "plat_info", "key_info", "report_data", "measurement", "host_data",
		"id_key_digest", "author_key_digest", "report_id", "report_id_ma", "reported_tcb",
		"chip_id", "committed_tcb", "current", "committed", "launch_tcb", "signature",
	}
	tcbRequired       = []string{"bootloader", "tee", "snp", "microcode"}
	versionRequired   = []string{"major", "minor", "build"}
	signatureRequired = []string{"r", "s"}
)

// UnmarshalJSON implements json.Unmarshaler with serde's rules: every
// non-optional member present, byte arrays of the exact size.
func (r *AttestationReport) UnmarshalJSON(data []byte) error {
	type plain AttestationReport
	var p plain
	if err := decodeObject(data, &p, reportRequired...); err != nil {
		return err
	}
	*r = AttestationReport(p)
	return r.checkSizes()
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *TcbVersion) UnmarshalJSON(data []byte) error {
	type plain TcbVersion
	return decodeObject(data, (*plain)(t), tcbRequired...)
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Version) UnmarshalJSON(data []byte) error {
	type plain Version
	return decodeObject(data, (*plain)(v), versionRequired...)
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *Signature) UnmarshalJSON(data []byte) error {
	type plain Signature
	return decodeObject(data, (*plain)(s), signatureRequired...)
}

func (r *AttestationReport) checkSizes() error {
	for _, f := range []struct {
		name string
		b    []byte
		size int
	}{
		{"family_id", r.FamilyID, 16},
		{"image_id", r.ImageID, 16},
		{"report_data", r.ReportData, ReportDataSize},
		{"measurement", r.Measurement, MeasurementSize},
		{"host_data", r.HostData, HostDataSize},
		{"id_key_digest", r.IDKeyDigest, 48},
		{"author_key_digest", r.AuthorKeyDigest, 48},
		{"report_id", r.ReportID, 32},
		{"report_id_ma", r.ReportIDMA, 32},
		{"chip_id", r.ChipID, ChipIDSize},
		{"signature.r", r.Signature.R, signatureRSSize},
		{"signature.s", r.Signature.S, signatureRSSize},
	} {
		if len(f.b) != f.size {
			return fmt.Errorf("%s has %d bytes, want %d", f.name, len(f.b), f.size)
		}
	}
	return nil
}
