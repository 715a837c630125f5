package azure

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cocoon-cc/cocoon/tee/snp"
)

var (
	// ErrMalformedHCLReport means the bytes are not an HCL report.
	ErrMalformedHCLReport = errors.New("azure: malformed HCL report")
	// ErrReportType means the HCL report holds the other TEE's report.
	ErrReportType = errors.New("azure: HCL report holds another kind of hardware report")
	// ErrAKPublic means the HCL var-data has no usable HCLAkPub key.
	ErrAKPublic = errors.New("azure: no usable HCLAkPub RSA key in the HCL var-data")
	// ErrUserData means the HCL var-data has no hex "user-data".
	ErrUserData = errors.New(`azure: HCL var-data has no hex "user-data"`)
)

// ReportType is the kind of hardware report an HCL report holds.
type ReportType uint32

// Hardware report types of the HCL (IGVM request data).
const (
	ReportTypeSNP ReportType = 2
	ReportTypeTDX ReportType = 4
)

func (t ReportType) String() string {
	switch t {
	case ReportTypeSNP:
		return "SNP"
	case ReportTypeTDX:
		return "TDX"
	}
	return fmt.Sprintf("ReportType(%d)", uint32(t))
}

// Layout of the HCL report (little endian): a 32-byte header starting
// with "HCLA", the hardware report in a slot the size of the largest one
// (an SNP report), the IGVM request data (five 32-bit words: data size,
// version, report type, var-data hash type, var-data size), then the
// var-data.
const (
	hclMagic          = 0x414c4348 // "HCLA"
	hwReportOffset    = 32
	snpReportSize     = snp.ReportSize
	tdReportSize      = 1024
	requestDataOffset = hwReportOffset + snpReportSize
	reportTypeOffset  = requestDataOffset + 8
	hashTypeOffset    = requestDataOffset + 12
	varDataSizeOffset = requestDataOffset + 16
	varDataOffset     = requestDataOffset + 20
	// hashTypeSHA256 is IGVM_HASH_TYPE_SHA256, the only var-data hash
	// upstream (and the HCL) uses.
	hashTypeSHA256 = 1
	// akKeyID names the AK among the var-data's keys.
	akKeyID = "HCLAkPub"
	// minAKBits refuses AKs too weak to sign anything that matters.
	minAKBits = 2048
)

// HCLReport is the Azure paravisor's attestation report: a hardware
// report whose REPORT_DATA binds the SHA-256 of the var-data.
type HCLReport struct {
	Type ReportType
	// Hardware is the hardware report: an SNP attestation report (1184
	// bytes) or a TD report (1024 bytes).
	Hardware []byte
	// VarData is the JSON document (runtime claims) the report binds.
	VarData []byte
}

// ParseHCLReport decodes an HCL report. Bytes after the var-data are
// ignored, as upstream's decoder ignores them (the report is read from a
// fixed-size NV index).
func ParseHCLReport(b []byte) (*HCLReport, error) {
	if len(b) < varDataOffset {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrMalformedHCLReport, len(b), varDataOffset)
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	if u32(0) != hclMagic {
		return nil, fmt.Errorf("%w: no HCLA signature", ErrMalformedHCLReport)
	}
	h := &HCLReport{Type: ReportType(u32(reportTypeOffset))}
	size := snpReportSize
	switch h.Type {
	case ReportTypeSNP:
	case ReportTypeTDX:
		size = tdReportSize
	default:
		return nil, fmt.Errorf("%w: report type %d", ErrMalformedHCLReport, uint32(h.Type))
	}
	if ht := u32(hashTypeOffset); ht != hashTypeSHA256 {
		return nil, fmt.Errorf("%w: var-data hash type %d, want SHA-256", ErrMalformedHCLReport, ht)
	}
	n := u32(varDataSizeOffset)
	if uint64(n) > uint64(len(b)-varDataOffset) {
		return nil, fmt.Errorf("%w: var-data of %d bytes overruns the report", ErrMalformedHCLReport, n)
	}
	h.Hardware = bytes.Clone(b[hwReportOffset : hwReportOffset+size])
	h.VarData = bytes.Clone(b[varDataOffset : varDataOffset+int(n)])
	return h, nil
}

// VarDataHash is the SHA-256 of the var-data, which the hardware report's
// REPORT_DATA starts with.
func (h *HCLReport) VarDataHash() [sha256.Size]byte {
	return sha256.Sum256(h.VarData)
}

// AKPublic returns the vTPM attestation key: the RSA JWK with kid
// "HCLAkPub" among the var-data's "keys".
func (h *HCLReport) AKPublic() (*rsa.PublicKey, error) {
	var doc struct {
		Keys []jose.JSONWebKey `json:"keys"`
	}
	if err := json.Unmarshal(h.VarData, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAKPublic, err)
	}
	for _, k := range doc.Keys {
		if k.KeyID != akKeyID {
			continue
		}
		key, ok := k.Key.(*rsa.PublicKey)
		if !ok || key.N.BitLen() < minAKBits {
			return nil, fmt.Errorf("%w: %s is not an RSA public key of at least %d bits", ErrAKPublic, akKeyID, minAKBits)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: no key %s", ErrAKPublic, akKeyID)
}

// UserData returns the var-data's "user-data", decoded from hex: where
// the guest puts its report data from evidence version 2 on.
func (h *HCLReport) UserData() ([]byte, error) {
	var doc struct {
		UserData *string `json:"user-data"`
	}
	if err := json.Unmarshal(h.VarData, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserData, err)
	}
	if doc.UserData == nil {
		return nil, ErrUserData
	}
	b, err := hex.DecodeString(*doc.UserData)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserData, err)
	}
	return b, nil
}

// SNPReport decodes the SEV-SNP attestation report the HCL report holds.
func (h *HCLReport) SNPReport() (*snp.AttestationReport, error) {
	if h.Type != ReportTypeSNP {
		return nil, fmt.Errorf("%w: %v, want SNP", ErrReportType, h.Type)
	}
	return snp.ParseReport(h.Hardware)
}
