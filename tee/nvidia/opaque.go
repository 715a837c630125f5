package nvidia

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Opaque data item types NVIDIA puts in the MEASUREMENTS response, by the
// claim names upstream gives them (after NVIDIA's nvtrust).
var opaqueTypeNames = map[uint16]string{
	1: "cert_issuer_name", 2: "cert_authority_key_identifier", 3: "driver_version", 4: "gpu_info",
	5: "id_sku", 6: "vbios_version", 7: "manufacturer_id", 8: "tamper_detection", 9: "smc", 10: "vpr",
	11: "nvdec0_status", 12: "measurement_count", 13: "cpr_info", 14: "board_id", 15: "chip_sku",
	16: "chip_sku_mod", 17: "project", 18: "project_sku", 19: "project_sku_mod", 20: "fwid",
	21: "protected_pcie_status", 22: "switch_pdi", 23: "floorswept_ports", 24: "position_id",
	25: "lock_switch_status", 32: "gpu_link_conn", 33: "sys_enable_status", 34: "opaque_data_version",
	35: "chip_info", 36: "feature_flag",
}

// Opaque data claim names the verifier relies on.
const (
	OpaqueFWID          = "fwid"
	OpaqueDriverVersion = "driver_version"
	OpaqueVBIOSVersion  = "vbios_version"
)

// opaqueDecoders turn an item's bytes into its claim value; types not
// listed are lowercase hex.
var opaqueDecoders = map[string]func([]byte) (any, error){
	"driver_version": textValue, "chip_sku": textValue, "chip_sku_mod": textValue,
	"nvdec0_status": textValue, "project": textValue, "project_sku": textValue,
	"protected_pcie_status": textValue, "chip_info": textValue,
	"vbios_version":       vbiosVersion,
	"measurement_count":   measurementCounts,
	"switch_pdi":          switchPDIs,
	"opaque_data_version": func(b []byte) (any, error) { return leUint64(b) },
	"feature_flag":        featureFlag,
}

// parseOpaqueData decodes the items (type u16, size u16, data) as upstream:
// an item needs more than its 4-byte header left to be read, unknown and
// repeated types are errors, and vbios_version and driver_version must be
// present.
func parseOpaqueData(b []byte) (map[string]any, error) {
	items := map[string]any{}
	for off := 0; off+4 < len(b); {
		typ := binary.LittleEndian.Uint16(b[off:])
		size := int(binary.LittleEndian.Uint16(b[off+2:]))
		off += 4
		name, known := opaqueTypeNames[typ]
		if !known {
			return nil, fmt.Errorf("%w: unknown opaque data type %d", ErrInvalidReport, typ)
		}
		if len(b)-off < size {
			return nil, fmt.Errorf("%w: opaque data %s overflows at offset %#x", ErrInvalidReport, name, off)
		}
		data := b[off : off+size]
		off += size
		if _, dup := items[name]; dup {
			return nil, fmt.Errorf("%w: repeated opaque data type %s", ErrInvalidReport, name)
		}
		value, err := decodeOpaque(name, data)
		if err != nil {
			return nil, fmt.Errorf("%w: opaque data %s: %w", ErrInvalidReport, name, err)
		}
		items[name] = value
	}
	for _, required := range []string{OpaqueVBIOSVersion, OpaqueDriverVersion} {
		if _, present := items[required]; !present {
			return nil, fmt.Errorf("%w: opaque data has no %s", ErrInvalidReport, required)
		}
	}
	return items, nil
}

func decodeOpaque(name string, data []byte) (any, error) {
	if decode, special := opaqueDecoders[name]; special {
		return decode(data)
	}
	return hex.EncodeToString(data), nil
}

// textValue is Rust's String::from_utf8_lossy with trailing NULs trimmed.
func textValue(b []byte) (any, error) {
	return strings.TrimRight(lossyUTF8(b), "\x00"), nil
}

// lossyUTF8 replaces each maximal ill-formed subsequence with U+FFFD, the
// Unicode practice Rust's from_utf8_lossy follows (Go's ToValidUTF8 would
// merge neighbouring ones).
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[:size])
			b = b[size:]
			continue
		}
		sb.WriteRune(utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return sb.String()
}

// maximalSubpart is the length of the ill-formed prefix of b that becomes
// one replacement character: a lead byte and the continuation bytes that
// still fit a valid sequence.
func maximalSubpart(b []byte) int {
	var need int
	lo, hi := byte(0x80), byte(0xbf)
	switch c := b[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c >= 0xe0 && c <= 0xef:
		need = 2
	case c >= 0xf0 && c <= 0xf4:
		need = 3
	default:
		return 1
	}
	// The second byte's range is narrower after these leads (no overlong
	// forms, surrogates or code points past U+10FFFF).
	switch b[0] {
	case 0xe0:
		lo = 0xa0
	case 0xed:
		hi = 0x9f
	case 0xf0:
		lo = 0x90
	case 0xf4:
		hi = 0x8f
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return n
}

// vbiosVersion formats upstream's way: the first half reversed, then the
// first byte of the second half, each as two hex digits joined by dots
// (00 9f 00 96 01 00 00 00 → 96.00.9f.00.01).
func vbiosVersion(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("empty vbios version")
	}
	half := len(b) / 2
	parts := make([]string, 0, half+1)
	for i := half - 1; i >= 0; i-- {
		parts = append(parts, hex.EncodeToString(b[i:i+1]))
	}
	return strings.Join(parts, ".") + "." + hex.EncodeToString(b[half:half+1]), nil
}

// measurementCounts is a little-endian u32 per measurement, keyed by the
// measurement index from 1. Upstream counts the index in a u8, so more
// than 255 counts are refused rather than wrapped.
func measurementCounts(b []byte) (any, error) {
	const size = 4
	if len(b)%size != 0 {
		return nil, fmt.Errorf("length %d is not a multiple of %d", len(b), size)
	}
	if len(b)/size > 255 {
		return nil, fmt.Errorf("%d counts, more than 255", len(b)/size)
	}
	counts := make(map[string]any, len(b)/size)
	for i := 0; i < len(b); i += size {
		counts[strconv.Itoa(i/size+1)] = binary.LittleEndian.Uint32(b[i:])
	}
	return counts, nil
}

// switchPDIs is a list of 8-byte PDIs in hex.
func switchPDIs(b []byte) (any, error) {
	const size = 8
	if len(b)%size != 0 {
		return nil, fmt.Errorf("length %d is not a multiple of %d", len(b), size)
	}
	pdis := make([]any, 0, len(b)/size)
	for i := 0; i < len(b); i += size {
		pdis = append(pdis, hex.EncodeToString(b[i:i+size]))
	}
	return pdis, nil
}

func featureFlag(b []byte) (any, error) {
	v, err := leUint64(b)
	if err != nil {
		return nil, err
	}
	switch v {
	case 0:
		return "SPT", nil
	case 1:
		return "MPT", nil
	case 2:
		return "PPCIE", nil
	default:
		return "unknown", nil
	}
}

// leUint64 reads up to 8 little-endian bytes.
func leUint64(b []byte) (uint64, error) {
	if len(b) > 8 {
		return 0, fmt.Errorf("integer of %d bytes, more than 8", len(b))
	}
	var padded [8]byte
	copy(padded[:], b)
	return binary.LittleEndian.Uint64(padded[:]), nil
}
