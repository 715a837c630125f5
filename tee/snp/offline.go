package snp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultOfflineStoreDir is upstream's default offline VCEK store.
const DefaultOfflineStoreDir = "/opt/confidential-containers/attestation-service/kds-store"

// OfflineStore reads VCEKs from a directory laid out as upstream's:
// <Dir>/vcek/<hwid>/<tcb>_vcek.der, else <Dir>/vcek/<hwid>/vcek.der, where
// <hwid> is the hex chip id (its first 8 bytes on Turin) and <tcb> is e.g.
// "bl03_tee00_snp08_ucode115".
type OfflineStore struct {
	Dir string
}

var _ VCEKSource = OfflineStore{}

// VCEK implements VCEKSource.
func (s OfflineStore) VCEK(ctx context.Context, g Generation, r *AttestationReport) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, err := hwid(g, r)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Dir, "vcek", id)
	for _, name := range []string{tcbFileNamePrefix(r.ReportedTCB) + "_vcek.der", "vcek.der"} {
		der, err := readCertificate(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		// Any other failure (permissions, say) is a real error, not a miss.
		return der, err
	}
	return nil, fmt.Errorf("%w in offline store %s for chip %s", ErrVCEKNotFound, s.Dir, id)
}

func readCertificate(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	der, err := io.ReadAll(io.LimitReader(f, maxCertificateSize+1))
	if err != nil {
		return nil, fmt.Errorf("snp: read VCEK %s: %w", path, err)
	}
	if len(der) > maxCertificateSize {
		return nil, fmt.Errorf("snp: VCEK %s is larger than %d bytes", path, maxCertificateSize)
	}
	return der, nil
}
