package tpm

import (
	"errors"
	"fmt"
	"slices"
)

// ErrMalformedAttest means the quote message is not a TPMS_ATTEST of a quote.
var ErrMalformedAttest = errors.New("tpm: malformed TPMS_ATTEST")

// TPM constants of TPMS_ATTEST (TPM 2.0 Part 2).
const (
	generatedValue = 0xff544347 // TPM_GENERATED_VALUE, "\xffTCG"
	stAttestQuote  = 0x8018     // TPM_ST_ATTEST_QUOTE
	algSHA256      = 0x000b     // TPM_ALG_SHA256
	algSHA384      = 0x000c
	algSHA512      = 0x000d
	// maxPCRBanks bounds TPML_PCR_SELECTION.count as HASH_COUNT does.
	maxPCRBanks = 16
)

// Attest is the part of a quote's TPMS_ATTEST that verification reads.
type Attest struct {
	// ExtraData is the quote's qualifying data: the nonce.
	ExtraData []byte
	// Selections are the quoted PCRs, per bank, in the quote's order.
	Selections []PCRSelection
	// PCRDigest is the hash of the quoted PCR values.
	PCRDigest []byte
}

// PCRSelection is one bank of a TPML_PCR_SELECTION.
type PCRSelection struct {
	// Hash is the bank's TPM_ALG_ID.
	Hash uint16
	// PCRs are the selected indices in ascending order.
	PCRs []int
}

// ParseAttest decodes a marshalled TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE.
// Trailing bytes are an error: the signature covers the whole message, so
// whatever it carries must be understood.
func ParseAttest(b []byte) (*Attest, error) {
	a, err := parseAttest(&reader{b: b})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedAttest, err)
	}
	return a, nil
}

func parseAttest(r *reader) (*Attest, error) {
	magic, err := r.u32()
	if err != nil {
		return nil, err
	}
	if magic != generatedValue {
		return nil, fmt.Errorf("magic %#x is not TPM_GENERATED_VALUE", magic)
	}
	typ, err := r.u16()
	if err != nil {
		return nil, err
	}
	if typ != stAttestQuote {
		return nil, fmt.Errorf("type %#x is not a quote", typ)
	}
	if _, err := r.sized(); err != nil { // qualifiedSigner
		return nil, err
	}
	var a Attest
	if a.ExtraData, err = r.sized(); err != nil {
		return nil, err
	}
	// clockInfo (clock, resetCount, restartCount, safe), firmwareVersion
	if _, err := r.bytes(8 + 4 + 4 + 1 + 8); err != nil {
		return nil, err
	}
	if a.Selections, err = parsePCRSelections(r); err != nil {
		return nil, err
	}
	if a.PCRDigest, err = r.sized(); err != nil {
		return nil, err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return &a, nil
}

func parsePCRSelections(r *reader) ([]PCRSelection, error) {
	count, err := r.u32()
	if err != nil {
		return nil, err
	}
	if count > maxPCRBanks {
		return nil, fmt.Errorf("%d PCR banks selected", count)
	}
	selections := make([]PCRSelection, 0, count)
	for range count {
		hash, err := r.u16()
		if err != nil {
			return nil, err
		}
		size, err := r.u8()
		if err != nil {
			return nil, err
		}
		bitmap, err := r.bytes(int(size))
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(selections, func(s PCRSelection) bool { return s.Hash == hash }) {
			return nil, fmt.Errorf("bank %#x selected twice", hash)
		}
		selections = append(selections, PCRSelection{Hash: hash, PCRs: selectedPCRs(bitmap)})
	}
	return selections, nil
}

// selectedPCRs lists the set bits of a pcrSelect bitmap: byte i holds PCRs
// 8i..8i+7, least significant bit first.
func selectedPCRs(bitmap []byte) []int {
	var pcrs []int
	for i, b := range bitmap {
		for bit := range 8 {
			if b&(1<<bit) != 0 {
				pcrs = append(pcrs, 8*i+bit)
			}
		}
	}
	return pcrs
}
