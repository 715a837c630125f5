package snp

import (
	"bytes"
	"errors"
	"fmt"
)

// Generation is an AMD EPYC processor generation with SEV-SNP; it selects
// AMD's roots of trust, the KDS product name and the TCB_VERSION layout.
type Generation int

// The generations upstream supports.
const (
	Milan Generation = iota + 1
	Genoa
	Turin
)

// Generations lists every supported generation.
var Generations = []Generation{Milan, Genoa, Turin}

// String returns the KDS product name ("Milan", "Genoa", "Turin").
func (g Generation) String() string {
	switch g {
	case Milan:
		return "Milan"
	case Genoa:
		return "Genoa"
	case Turin:
		return "Turin"
	}
	return fmt.Sprintf("Generation(%d)", int(g))
}

// ErrUnknownProcessor means the report's CPUID names no supported generation.
var ErrUnknownProcessor = errors.New("snp: processor is not a supported SEV-SNP generation")

// GenerationFromCPUID maps the combined CPUID family and model a report
// carries (version 3 and later) to a generation, with upstream's table.
func GenerationFromCPUID(family, model uint8) (Generation, error) {
	switch {
	case family == 0x19 && model <= 0x0F:
		return Milan, nil
	case family == 0x19 && (model >= 0x10 && model <= 0x1F || model >= 0xA0 && model <= 0xAF):
		return Genoa, nil
	case family == 0x1A && model <= 0x11:
		return Turin, nil
	}
	return 0, fmt.Errorf("%w: family 0x%x, model 0x%x", ErrUnknownProcessor, family, model)
}

// tcbLayout is the byte layout of a TCB_VERSION, which changed with Turin.
type tcbLayout int

const (
	// layoutLegacy (Milan, Genoa): bootloader, tee, 4 reserved, snp, microcode.
	layoutLegacy tcbLayout = iota
	// layoutTurin: fmc, bootloader, tee, snp, 3 reserved, microcode.
	layoutTurin
)

func (g Generation) layout() tcbLayout {
	if g == Turin {
		return layoutTurin
	}
	return layoutLegacy
}

// candidates returns the generations the report may come from: the one its
// CPUID names, or for a version 2 report (no CPUID) those sharing its TCB
// layout; the endorsement key's chain then tells them apart.
func (r *AttestationReport) candidates() ([]Generation, error) {
	if r.Version >= 3 {
		if r.CPUIDFamID == nil || r.CPUIDModID == nil || r.CPUIDStep == nil {
			return nil, fmt.Errorf("version %d report without CPUID", r.Version)
		}
		g, err := GenerationFromCPUID(*r.CPUIDFamID, *r.CPUIDModID)
		if err != nil {
			return nil, err
		}
		return []Generation{g}, nil
	}
	l, err := r.layout()
	if err != nil {
		return nil, err
	}
	if l == layoutTurin {
		return []Generation{Turin}, nil
	}
	return []Generation{Milan, Genoa}, nil
}

// layout returns the TCB layout of the report, as upstream's sev crate
// decides it: from the CPUID from version 3 on, and for version 2 from the
// chip id, which on Turin uses its first 8 bytes only.
func (r *AttestationReport) layout() (tcbLayout, error) {
	if r.Version < minReportVersion || r.Version > maxReportVersion {
		return 0, fmt.Errorf("report version %d, want %d to %d", r.Version, minReportVersion, maxReportVersion)
	}
	if r.Version >= 3 {
		gens, err := r.candidates()
		if err != nil {
			return 0, err
		}
		return gens[0].layout(), nil
	}
	if len(r.ChipID) != ChipIDSize || allZero(r.ChipID) {
		return 0, errors.New("version 2 report with a masked chip id: its TCB layout is unknown")
	}
	if allZero(r.ChipID[8:]) {
		return layoutTurin, nil
	}
	return layoutLegacy, nil
}

func allZero(b []byte) bool {
	return len(bytes.Trim(b, "\x00")) == 0
}

// raw returns the little-endian TCB_VERSION as a number (byte 0 lowest),
// the representation of go-sev-guest's report proto.
func (t TcbVersion) raw(l tcbLayout) uint64 {
	var b [8]byte
	if l == layoutTurin {
		if t.FMC != nil {
			b[0] = *t.FMC
		}
		b[1], b[2], b[3] = t.Bootloader, t.TEE, t.SNP
	} else {
		b[0], b[1], b[6] = t.Bootloader, t.TEE, t.SNP
	}
	b[7] = t.Microcode
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// tcbFromRaw is the inverse of raw; reserved bytes are dropped, as the sev
// crate drops them.
func tcbFromRaw(v uint64, l tcbLayout) TcbVersion {
	byteAt := func(i int) uint8 { return uint8(v >> (8 * i)) }
	if l == layoutTurin {
		fmc := byteAt(0)
		return TcbVersion{FMC: &fmc, Bootloader: byteAt(1), TEE: byteAt(2), SNP: byteAt(3), Microcode: byteAt(7)}
	}
	return TcbVersion{Bootloader: byteAt(0), TEE: byteAt(1), SNP: byteAt(6), Microcode: byteAt(7)}
}
