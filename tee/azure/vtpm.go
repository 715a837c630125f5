package azure

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// ErrPCRSelection means the vTPM quote does not cover exactly the SHA-256
// PCRs 0 to 23 the evidence sends, the only quote Azure's attester makes.
// Upstream hashes the values sent without looking at the selection and
// names them by position; requiring the full selection makes those names
// the PCRs' own.
var ErrPCRSelection = errors.New("azure: vTPM quote does not select exactly SHA-256 PCRs 0-23")

// TPM algorithm identifiers of the AK's signing scheme (TPM 2.0 Part 2).
const (
	tpmAlgRSASSA = 0x0014
	tpmAlgSHA256 = 0x000b
)

// verify checks that the AK signed the quote (RSASSA-PKCS1-v1_5 with
// SHA-256), that its nonce is reportData exactly, and that its PCR digest
// is the SHA-256 of the PCR values sent, in upstream's order.
func (q *TPMQuote) verify(ak *rsa.PublicKey, reportData []byte) error {
	attest, err := tpm.ParseAttest(q.Message)
	if err != nil {
		return err
	}
	sig := tpm.Signature{Scheme: tpmAlgRSASSA, Hash: tpmAlgSHA256, Value: q.Signature}
	if err := sig.Verify(ak, q.Message); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(attest.ExtraData, reportData) != 1 {
		return tpm.ErrNonceMismatch
	}
	return q.checkPCRs(attest)
}

func (q *TPMQuote) checkPCRs(attest *tpm.Attest) error {
	if len(attest.Selections) != 1 || attest.Selections[0].Hash != tpmAlgSHA256 ||
		len(attest.Selections[0].PCRs) != tpm.PCRCount || len(q.PCRs) != tpm.PCRCount {
		return ErrPCRSelection
	}
	h := sha256.New()
	for i, pcr := range q.PCRs {
		if attest.Selections[0].PCRs[i] != i {
			return ErrPCRSelection
		}
		if len(pcr) != sha256.Size {
			return fmt.Errorf("%w: PCR %d has %d bytes", ErrMalformedEvidence, i, len(pcr))
		}
		h.Write(pcr)
	}
	if subtle.ConstantTimeCompare(h.Sum(nil), attest.PCRDigest) != 1 {
		return tpm.ErrPCRDigestMismatch
	}
	return nil
}

// checkInitData checks PCR 8 holds one SHA-256 extend of the init-data
// digest from zero. Only a SHA-256 digest fits the PCR, as upstream.
func (q *TPMQuote) checkInitData(digest []byte) error {
	if len(digest) != sha256.Size {
		return fmt.Errorf("%w (got %d bytes)", tpm.ErrInitDataAlgorithm, len(digest))
	}
	want := tpm.InitDataPCRValue(digest)
	if subtle.ConstantTimeCompare(q.PCRs[tpm.InitDataPCR], want[:]) != 1 {
		return tpm.ErrInitDataMismatch
	}
	return nil
}

// addClaims adds upstream's vTPM claims to the hardware report's: "tpm"
// with pcr00..pcr23 in hex, and "report_data" (the quote's nonce) and
// "init_data" (PCR 8) in hex, replacing the hardware report's own.
func (q *TPMQuote) addClaims(claims map[string]any, nonce []byte) {
	pcrs := make(map[string]any, len(q.PCRs))
	for i, v := range q.PCRs {
		pcrs[tpm.PCRClaim(i)] = hex.EncodeToString(v)
	}
	claims["tpm"] = pcrs
	claims["report_data"] = hex.EncodeToString(nonce)
	claims["init_data"] = hex.EncodeToString(q.PCRs[tpm.InitDataPCR])
}
