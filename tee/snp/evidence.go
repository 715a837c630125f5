package snp

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// ErrMalformedEvidence means the evidence is not SNP evidence as upstream's
// attester sends it.
var ErrMalformedEvidence = errors.New("snp: malformed evidence")

// Evidence is the SNP evidence upstream's attester sends: the report, and
// the certificates the host provided with it (null when it provided none).
type Evidence struct {
	AttestationReport AttestationReport `json:"attestation_report"`
	CertChain         []CertTableEntry  `json:"cert_chain"`
}

// CertTableEntry is one certificate the host provided with the report.
type CertTableEntry struct {
	CertType CertType `json:"cert_type"`
	// Data is the certificate, DER for the AMD keys.
	Data Bytes `json:"data"`
}

// UnmarshalJSON implements json.Unmarshaler; both members are required.
func (e *CertTableEntry) UnmarshalJSON(data []byte) error {
	// Pointers tell a missing or null member from a zero one in a single
	// pass over the certificate's (long) array.
	var p struct {
		CertType *CertType `json:"cert_type"`
		Data     *Bytes    `json:"data"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if p.CertType == nil || p.Data == nil {
		return errors.New("certificate entry needs cert_type and data")
	}
	*e = CertTableEntry{CertType: *p.CertType, Data: *p.Data}
	return nil
}

// CertType names a certificate in the host's table. Name is one of the
// CertType constants; GUID is set for CertOther only.
type CertType struct {
	Name string
	GUID uuid.UUID
}

// Certificate type names as the sev crate spells them.
const (
	CertEmpty = "Empty"
	CertARK   = "ARK"
	CertASK   = "ASK"
	CertVCEK  = "VCEK"
	CertVLEK  = "VLEK"
	CertCRL   = "CRL"
	// CertOther is a certificate the crate does not know, named by GUID.
	CertOther = "OTHER"
)

// MarshalJSON implements json.Marshaler: a string for the known types and
// {"OTHER":"<guid>"} otherwise, serde's encoding of the crate's enum.
func (c CertType) MarshalJSON() ([]byte, error) {
	if c.Name == CertOther {
		return json.Marshal(map[string]string{CertOther: c.GUID.String()})
	}
	if !knownCertType(c.Name) {
		return nil, fmt.Errorf("snp: unknown certificate type %q", c.Name)
	}
	return json.Marshal(c.Name)
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *CertType) UnmarshalJSON(data []byte) error {
	var name string
	if err := json.Unmarshal(data, &name); err == nil {
		if !knownCertType(name) {
			return fmt.Errorf("unknown certificate type %q", name)
		}
		*c = CertType{Name: name}
		return nil
	}
	var other map[string]string
	if err := json.Unmarshal(data, &other); err != nil || len(other) != 1 {
		return errors.New("certificate type is neither a name nor {\"OTHER\":\"<guid>\"}")
	}
	guid, ok := other[CertOther]
	if !ok {
		return errors.New("certificate type object lacks OTHER")
	}
	id, err := uuid.Parse(guid)
	if err != nil {
		return fmt.Errorf("certificate type GUID: %w", err)
	}
	*c = CertType{Name: CertOther, GUID: id}
	return nil
}

func knownCertType(name string) bool {
	switch name {
	case CertEmpty, CertARK, CertASK, CertVCEK, CertVLEK, CertCRL:
		return true
	}
	return false
}

// UnmarshalJSON implements json.Unmarshaler: the report is required, the
// certificate chain optional (absent means null, as for a serde Option).
func (e *Evidence) UnmarshalJSON(data []byte) error {
	var p struct {
		AttestationReport *AttestationReport `json:"attestation_report"`
		CertChain         []CertTableEntry   `json:"cert_chain"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if p.AttestationReport == nil {
		return errors.New("missing attestation_report")
	}
	*e = Evidence{AttestationReport: *p.AttestationReport, CertChain: p.CertChain}
	return nil
}

// ParseEvidence decodes SNP evidence and checks that its report can be
// laid out in the binary ABI (a version from 2 to 5, a known processor).
// Unknown members are ignored, as upstream does.
func ParseEvidence(b []byte) (*Evidence, error) {
	var ev Evidence
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvidence, err)
	}
	if _, err := ev.AttestationReport.layout(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvidence, err)
	}
	return &ev, nil
}
