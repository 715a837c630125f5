package azure

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// ErrMalformedEvidence means the bytes are not Azure vTPM evidence.
var ErrMalformedEvidence = errors.New("azure: malformed evidence")

// Evidence versions upstream's attesters send. Version 0 has no "version"
// member and serde's byte arrays; 1 and 2 carry hex and URL-safe base64;
// from 2 on the HCL var-data's "user-data" holds the report data.
const (
	VersionLegacy   = 0
	VersionV1       = 1
	VersionUserData = 2
)

// TPMQuote is a vTPM quote and the PCR values it covers.
type TPMQuote struct {
	// Signature is the raw RSASSA-PKCS1-v1_5 SHA-256 signature by the AK.
	Signature []byte
	// Message is the marshalled TPMS_ATTEST the AK signed.
	Message []byte
	// PCRs are the SHA-256 bank's PCR 0 to 23, in order.
	PCRs [][]byte
}

// SNPEvidence is "az-snp-vtpm" evidence.
type SNPEvidence struct {
	Version  int
	TPMQuote TPMQuote
	// HCLReport is the paravisor's report, holding the SNP report.
	HCLReport []byte
	// VCEK is the DER certificate of the key that signed the SNP report.
	VCEK []byte
}

// TDXEvidence is "az-tdx-vtpm" evidence.
type TDXEvidence struct {
	Version  int
	TPMQuote TPMQuote
	// HCLReport is the paravisor's report, holding the TD report.
	HCLReport []byte
	// TDQuote is the TD quote of that TD report.
	TDQuote []byte
}

// ParseSNPEvidence decodes "az-snp-vtpm" evidence of any version:
//
//	v0     {"quote":{"signature":[u8],"message":[u8],"pcrs":[[u8;32]...]},
//	        "report":[u8], "vcek":"<PEM>"}
//	v1, v2 {"version":1|2, "tpm_quote":{"signature":hex,"message":hex,"pcrs":[hex...]},
//	        "hcl_report":"<base64url>", "vcek":"<base64url DER>"}
//
// Unknown members are ignored, as serde does. Only the shape is checked;
// the verifiers check the contents.
func ParseSNPEvidence(b []byte) (*SNPEvidence, error) {
	m, version, err := versioned(b)
	if err != nil {
		return nil, err
	}
	ev := &SNPEvidence{Version: version}
	f := formatOf(version)
	quoteName, reportName := "tpm_quote", "hcl_report"
	vcek := decoder(base64URLBytes)
	if version == VersionLegacy {
		quoteName, reportName, vcek = "quote", "report", pemCertificate
	}
	if ev.TPMQuote, err = parseQuote(m, quoteName, f.bytes); err != nil {
		return nil, err
	}
	if ev.HCLReport, err = field(m, reportName, f.blob); err != nil {
		return nil, err
	}
	if ev.VCEK, err = field(m, "vcek", vcek); err != nil {
		return nil, err
	}
	return ev, nil
}

// ParseTDXEvidence decodes "az-tdx-vtpm" evidence of any version:
//
//	v0     {"tpm_quote":{"signature":[u8],"message":[u8],"pcrs":[[u8;32]...]},
//	        "hcl_report":[u8], "td_quote":[u8]}
//	v1, v2 {"version":1|2, "tpm_quote":{"signature":hex,"message":hex,"pcrs":[hex...]},
//	        "hcl_report":"<base64url>", "td_quote":"<base64url>"}
func ParseTDXEvidence(b []byte) (*TDXEvidence, error) {
	m, version, err := versioned(b)
	if err != nil {
		return nil, err
	}
	ev := &TDXEvidence{Version: version}
	f := formatOf(version)
	if ev.TPMQuote, err = parseQuote(m, "tpm_quote", f.bytes); err != nil {
		return nil, err
	}
	if ev.HCLReport, err = field(m, "hcl_report", f.blob); err != nil {
		return nil, err
	}
	if ev.TDQuote, err = field(m, "td_quote", f.blob); err != nil {
		return nil, err
	}
	return ev, nil
}

// format is how a version encodes the quote's byte strings and the
// reports: serde byte arrays in v0, hex and base64url from v1 on.
type format struct{ bytes, blob decoder }

func formatOf(version int) format {
	if version == VersionLegacy {
		return format{bytes: byteArray, blob: byteArray}
	}
	return format{bytes: hexBytes, blob: base64URLBytes}
}

// versioned returns the members and the evidence version. Upstream tries
// v2, v1 and v0 in turn and so would read {"version":7,...} with v0's
// members as v0; a version it does not know is refused here instead.
func versioned(b []byte) (map[string]json.RawMessage, int, error) {
	m, err := object(b, "evidence")
	if err != nil {
		return nil, 0, err
	}
	raw, ok := m["version"]
	if !ok {
		return m, VersionLegacy, nil
	}
	var v uint32
	if err := json.Unmarshal(raw, &v); err != nil || (v != VersionV1 && v != VersionUserData) {
		return nil, 0, fmt.Errorf("%w: version %.20s, want 1 or 2 (or none for v0)", ErrMalformedEvidence, raw)
	}
	return m, int(v), nil
}

// parseQuote decodes the quote member name, its byte strings with dec.
func parseQuote(parent map[string]json.RawMessage, name string, dec decoder) (TPMQuote, error) {
	raw, err := member(parent, name)
	if err != nil {
		return TPMQuote{}, err
	}
	m, err := object(raw, name)
	if err != nil {
		return TPMQuote{}, err
	}
	var q TPMQuote
	if q.Signature, err = field(m, "signature", dec); err != nil {
		return TPMQuote{}, err
	}
	if q.Message, err = field(m, "message", dec); err != nil {
		return TPMQuote{}, err
	}
	rawPCRs, err := member(m, "pcrs")
	if err != nil {
		return TPMQuote{}, err
	}
	pcrs, err := array(rawPCRs, "pcrs")
	if err != nil {
		return TPMQuote{}, err
	}
	q.PCRs = make([][]byte, len(pcrs))
	for i, p := range pcrs {
		if q.PCRs[i], err = dec(p, fmt.Sprintf("pcrs[%d]", i)); err != nil {
			return TPMQuote{}, err
		}
	}
	return q, nil
}

// pemCertificate decodes v0's VCEK: the first PEM certificate of a string.
func pemCertificate(raw json.RawMessage, field string) ([]byte, error) {
	s, err := str(raw, field)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: %s is not a PEM certificate", ErrMalformedEvidence, field)
	}
	return block.Bytes, nil
}

// MarshalJSON encodes version 1 or 2 evidence; version 0 is read only.
func (e *SNPEvidence) MarshalJSON() ([]byte, error) {
	if e.Version != VersionV1 && e.Version != VersionUserData {
		return nil, fmt.Errorf("azure: cannot encode evidence version %d", e.Version)
	}
	return json.Marshal(map[string]any{
		"version":    e.Version,
		"tpm_quote":  e.TPMQuote.hexForm(),
		"hcl_report": base64.URLEncoding.EncodeToString(e.HCLReport),
		"vcek":       base64.URLEncoding.EncodeToString(e.VCEK),
	})
}

// MarshalJSON encodes version 1 or 2 evidence; version 0 is read only.
func (e *TDXEvidence) MarshalJSON() ([]byte, error) {
	if e.Version != VersionV1 && e.Version != VersionUserData {
		return nil, fmt.Errorf("azure: cannot encode evidence version %d", e.Version)
	}
	return json.Marshal(map[string]any{
		"version":    e.Version,
		"tpm_quote":  e.TPMQuote.hexForm(),
		"hcl_report": base64.URLEncoding.EncodeToString(e.HCLReport),
		"td_quote":   base64.URLEncoding.EncodeToString(e.TDQuote),
	})
}

func (q *TPMQuote) hexForm() map[string]any {
	pcrs := make([]string, len(q.PCRs))
	for i, p := range q.PCRs {
		pcrs[i] = hex.EncodeToString(p)
	}
	return map[string]any{
		"signature": hex.EncodeToString(q.Signature),
		"message":   hex.EncodeToString(q.Message),
		"pcrs":      pcrs,
	}
}
