package snp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
)

// VCEKSource finds the VCEK of the chip and reported TCB of a report when
// the evidence carries none (upstream's vcek_sources). Implementations are
// safe for concurrent use.
type VCEKSource interface {
	// VCEK returns the DER certificate for report, assuming it comes from
	// a processor of generation g.
	VCEK(ctx context.Context, g Generation, report *AttestationReport) ([]byte, error)
}

// ErrVCEKNotFound means no source had the VCEK.
var ErrVCEKNotFound = errors.New("snp: VCEK not found")

// maxCertificateSize bounds what is read for one certificate (AMD's are
// about 1.3 KiB).
const maxCertificateSize = 64 << 10

// hwid is the chip id as the KDS and the offline store name it: hex, and
// on Turin only its first 8 bytes.
func hwid(g Generation, r *AttestationReport) (string, error) {
	if len(r.ChipID) != ChipIDSize || allZero(r.ChipID) {
		return "", errors.New("the report's chip id is masked (MASK_CHIP_ID): no VCEK can be looked up for it")
	}
	if g == Turin {
		return hex.EncodeToString(r.ChipID[:8]), nil
	}
	return hex.EncodeToString(r.ChipID), nil
}

// tcbFileNamePrefix is upstream's offline-store prefix for a reported TCB,
// e.g. "bl02_tee00_snp06_ucode21" or "bl03_tee01_snp08_ucode15_fmc05".
func tcbFileNamePrefix(t TcbVersion) string {
	s := fmt.Sprintf("bl%02d_tee%02d_snp%02d_ucode%02d", t.Bootloader, t.TEE, t.SNP, t.Microcode)
	if t.FMC != nil {
		s += fmt.Sprintf("_fmc%02d", *t.FMC)
	}
	return s
}
