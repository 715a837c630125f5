package tpm

import (
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// sha256Selection selects pcrs of the SHA-256 bank.
func sha256Selection(pcrs ...uint) tpm2.TPMLPCRSelection {
	return tpm2.TPMLPCRSelection{PCRSelections: []tpm2.TPMSPCRSelection{{
		Hash:      tpm2.TPMAlgSHA256,
		PCRSelect: tpm2.PCClientCompatible.PCRs(pcrs...),
	}}}
}

func allPCRs() []uint {
	pcrs := make([]uint, PCRCount)
	for i := range pcrs {
		pcrs[i] = uint(i)
	}
	return pcrs
}

// readPCRs reads the SHA-256 bank. A TPM returns at most eight PCRs per
// TPM2_PCR_Read, so it asks again for those still missing.
func readPCRs(t transport.TPM) ([PCRCount][sha256.Size]byte, error) {
	var values [PCRCount][sha256.Size]byte
	want := allPCRs()
	for len(want) > 0 {
		rsp, err := tpm2.PCRRead{PCRSelectionIn: sha256Selection(want...)}.Execute(t)
		if err != nil {
			return values, fmt.Errorf("tpm: read PCRs: %w", err)
		}
		sels := rsp.PCRSelectionOut.PCRSelections
		if len(sels) != 1 || sels[0].Hash != tpm2.TPMAlgSHA256 {
			return values, fmt.Errorf("tpm: read PCRs: the TPM has no SHA-256 bank")
		}
		got := selectedPCRs(sels[0].PCRSelect)
		if len(got) == 0 || len(got) != len(rsp.PCRValues.Digests) {
			return values, fmt.Errorf("tpm: read PCRs: the TPM returned %d values for %d PCRs", len(rsp.PCRValues.Digests), len(got))
		}
		for k, i := range got {
			d := rsp.PCRValues.Digests[k].Buffer
			if i >= PCRCount || len(d) != sha256.Size || !slices.Contains(want, uint(i)) {
				return values, fmt.Errorf("tpm: read PCRs: unexpected PCR %d", i)
			}
			copy(values[i][:], d)
			want = slices.DeleteFunc(want, func(p uint) bool { return p == uint(i) })
		}
	}
	return values, nil
}

// extendPCR extends PCR index of the SHA-256 bank with digest.
func extendPCR(t transport.TPM, index uint64, digest []byte) error {
	if index >= PCRCount {
		return fmt.Errorf("tpm: PCR %d out of range", index)
	}
	if len(digest) != sha256.Size {
		return fmt.Errorf("tpm: extend PCR %d: digest is %d bytes, want a 32-byte SHA-256 digest", index, len(digest))
	}
	_, err := tpm2.PCRExtend{
		PCRHandle: tpm2.AuthHandle{Handle: tpm2.TPMHandle(index), Auth: tpm2.PasswordAuth(nil)},
		Digests: tpm2.TPMLDigestValues{Digests: []tpm2.TPMTHA{{
			HashAlg: tpm2.TPMAlgSHA256, Digest: digest,
		}}},
	}.Execute(t)
	if err != nil {
		return fmt.Errorf("tpm: extend PCR %d: %w", index, err)
	}
	return nil
}
