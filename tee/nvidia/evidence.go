package nvidia

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Arch is a device architecture as upstream names it in claims.
type Arch string

// Architectures upstream's verifier knows. Only Hopper is verified locally.
const (
	ArchBlackwell Arch = "Blackwell"
	ArchHopper    Arch = "Hopper"
	ArchLS10      Arch = "LS10"
)

// archNames are the spellings upstream's evidence accepts (serde names and
// aliases, case-sensitive).
var archNames = map[string]Arch{
	"Blackwell": ArchBlackwell, "BLACKWELL": ArchBlackwell,
	"Hopper": ArchHopper, "HOPPER": ArchHopper,
	"LS10": ArchLS10,
}

// DefaultUUID is the uuid of a device whose evidence carries none, as upstream.
const DefaultUUID = "unknown"

// ErrInvalidEvidence means the evidence is not upstream's JSON shape or its
// fields do not decode.
var ErrInvalidEvidence = errors.New("nvidia: invalid evidence")

// Evidence is upstream's NvDeviceEvidence.
type Evidence struct {
	Devices []DeviceEvidence
}

// DeviceEvidence is one entry of device_evidence_list.
type DeviceEvidence struct {
	Arch Arch
	UUID string
	// Evidence is the SPDM report, hex or (newer attesters) base64.
	Evidence string
	// Certificate is the base64 of the device's PEM certificate chain.
	Certificate string
}

// ParseEvidence decodes {"device_evidence_list":[{"arch","uuid","evidence","certificate"}]}.
// Keys are matched exactly, as serde does; unknown keys are ignored, as
// upstream; an empty list is refused, since it proves nothing. The JSON
// is decoded in one pass: the report strings make up most of it.
func ParseEvidence(b []byte) (*Evidence, error) {
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidEvidence)
	}
	list, isList := top["device_evidence_list"].([]any)
	if !isList {
		return nil, fmt.Errorf("%w: device_evidence_list is missing or not an array", ErrInvalidEvidence)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: device_evidence_list is empty", ErrInvalidEvidence)
	}
	ev := &Evidence{Devices: make([]DeviceEvidence, 0, len(list))}
	for i, entry := range list {
		d, err := parseDevice(entry)
		if err != nil {
			return nil, fmt.Errorf("device_evidence_list[%d]: %w", i, err)
		}
		ev.Devices = append(ev.Devices, d)
	}
	return ev, nil
}

func parseDevice(entry any) (DeviceEvidence, error) {
	obj, isObject := entry.(map[string]any)
	if !isObject {
		return DeviceEvidence{}, fmt.Errorf("%w: not a JSON object", ErrInvalidEvidence)
	}
	arch, err := requiredString(obj, "arch")
	if err != nil {
		return DeviceEvidence{}, err
	}
	d := DeviceEvidence{UUID: DefaultUUID}
	var known bool
	if d.Arch, known = archNames[arch]; !known {
		return DeviceEvidence{}, fmt.Errorf("%w: unknown arch %q", ErrInvalidEvidence, arch)
	}
	if _, present := obj["uuid"]; present {
		if d.UUID, err = requiredString(obj, "uuid"); err != nil {
			return DeviceEvidence{}, err
		}
	}
	if d.Evidence, err = requiredString(obj, "evidence"); err != nil {
		return DeviceEvidence{}, err
	}
	if d.Certificate, err = requiredString(obj, "certificate"); err != nil {
		return DeviceEvidence{}, err
	}
	return d, nil
}

// Report decodes the SPDM report: hex first, as upstream, else base64.
func (d DeviceEvidence) Report() ([]byte, error) {
	if b, err := hex.DecodeString(d.Evidence); err == nil {
		return b, nil
	}
	b, err := decodeBase64(d.Evidence)
	if err != nil {
		return nil, fmt.Errorf("%w: evidence is neither hex nor base64", ErrInvalidEvidence)
	}
	return b, nil
}

// CertChainPEM decodes the certificate field into the PEM chain.
func (d DeviceEvidence) CertChainPEM() ([]byte, error) {
	b, err := decodeBase64(d.Certificate)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate is not base64: %w", ErrInvalidEvidence, err)
	}
	return b, nil
}

// decodeBase64 is Rust's base64 STANDARD engine: padded, canonical, and
// without the line breaks Go's decoder would skip.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in base64")
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}

func requiredString(obj map[string]any, key string) (string, error) {
	v, present := obj[key]
	if !present {
		return "", fmt.Errorf("%w: missing %s", ErrInvalidEvidence, key)
	}
	s, isString := v.(string)
	if !isString {
		return "", fmt.Errorf("%w: %s is not a string", ErrInvalidEvidence, key)
	}
	return s, nil
}
