package tpm

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// PCR layout of the TPM TEE.
const (
	// PCRCount is the number of SHA-256 PCRs in the evidence.
	PCRCount = 24
	// InitDataPCR is extended with the init-data digest at boot.
	InitDataPCR = 8
	// DefaultRuntimePCR receives the AAEL runtime measurements: PCR 17,
	// the agent's default elsewhere, cannot be extended from locality 0.
	DefaultRuntimePCR = 23
	// NonceSize is the size of the quote's qualifying data.
	NonceSize = 32
	// minAKBits refuses AKs too weak to sign anything that matters.
	minAKBits = 2048
)

var (
	// ErrNoExpectedReportData means there is nothing to bind the quote to.
	// Upstream skips the nonce check then; a quote bound to nothing can be
	// replayed, so it is refused.
	ErrNoExpectedReportData = errors.New("tpm: no expected report data to check the quote's nonce against")
	// ErrUnsupportedAK means ak_public is not an RSA key of at least 2048 bits.
	ErrUnsupportedAK = errors.New("tpm: ak_public is not a usable RSA public key")
	// ErrNonceMismatch means the quote answers another challenge: stale,
	// replayed, or bound to another TEE key.
	ErrNonceMismatch = errors.New("tpm: quote nonce does not match the expected report data (stale or replayed quote)")
	// ErrPCRDigestMismatch means the PCR values sent are not those quoted.
	ErrPCRDigestMismatch = errors.New("tpm: PCR values do not match the PCR digest in the quote")
	// ErrPCRNotQuoted means a PCR the verification needs is not quoted.
	ErrPCRNotQuoted = errors.New("tpm: PCR not covered by the quote")
	// ErrInitDataAlgorithm means the init-data digest is not SHA-256, the
	// only digest a SHA-256 PCR 8 extend can carry.
	ErrInitDataAlgorithm = errors.New(`tpm: init-data digest is not 32 bytes; TPM binding needs algorithm = "sha256" in the init-data`)
	// ErrInitDataMismatch means PCR 8 was not extended with the init-data.
	ErrInitDataMismatch = errors.New("tpm: PCR 8 does not match the init-data digest")
	// ErrEventLogMismatch means the AAEL replay does not reach the quoted PCR.
	ErrEventLogMismatch = errors.New("tpm: AAEL event log replay does not match the quoted PCR")
)

// Expected holds what the evidence must be bound to.
type Expected struct {
	// ReportData is the runtime-data digest; the quote's nonce must be it
	// resized to NonceSize bytes.
	ReportData []byte
	// InitDataDigest, when not nil, must be the SHA-256 digest PCR 8 was
	// extended with from zero.
	InitDataDigest []byte
}

// Verify parses evidence and verifies it; see Evidence.Verify.
func Verify(evidence []byte, expected Expected) (map[string]any, error) {
	ev, err := ParseEvidence(evidence)
	if err != nil {
		return nil, err
	}
	return ev.Verify(expected)
}

// Verify checks the evidence and returns upstream's claims: the quote is
// signed by the AK the evidence carries, its PCR digest is the hash of the
// PCR values sent, its nonce is the expected report data, PCR 8 holds the
// init-data digest when one is expected, and the AAEL replays to the
// quoted PCRs. It does not decide whether the AK is trusted: policy does,
// from the "ak_public" claim.
func (ev *Evidence) Verify(expected Expected) (map[string]any, error) {
	if len(expected.ReportData) == 0 {
		return nil, ErrNoExpectedReportData
	}
	q, err := decode(ev)
	if err != nil {
		return nil, err
	}
	if err := q.checkSignature(); err != nil {
		return nil, err
	}
	if err := q.checkPCRDigest(); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(q.attest.ExtraData, Regularize(expected.ReportData, NonceSize)) != 1 {
		return nil, ErrNonceMismatch
	}
	if expected.InitDataDigest != nil {
		if err := q.checkInitData(expected.InitDataDigest); err != nil {
			return nil, err
		}
	}
	if err := q.checkEventLog(); err != nil {
		return nil, err
	}
	return q.claims()
}

// Regularize zero-pads or truncates b to n bytes, as upstream does with
// report data and init-data digests.
func Regularize(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}

// InitDataPCRValue is the value of PCR 8 after one SHA-256 extend of digest
// from zero: SHA-256(32 zero bytes || digest).
func InitDataPCRValue(digest []byte) [sha256.Size]byte {
	var zero [sha256.Size]byte
	return sha256.Sum256(append(zero[:], digest...))
}

// quote is decoded evidence, not yet verified.
type quote struct {
	akPublicB64 string
	ak          *rsa.PublicKey
	message     []byte
	attest      *Attest
	signature   *Signature
	pcrs        [PCRCount][sha256.Size]byte
	// quoted is the set of SHA-256 PCRs the quote covers.
	quoted []int
	events []Event
}

func decode(ev *Evidence) (*quote, error) {
	q := &quote{akPublicB64: ev.AKPublic}
	der, err := decodeBase64("ak_public", ev.AKPublic)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedAK, err)
	}
	var ok bool
	if q.ak, ok = key.(*rsa.PublicKey); !ok || q.ak.N.BitLen() < minAKBits {
		return nil, fmt.Errorf("%w: got %T", ErrUnsupportedAK, key)
	}
	if q.message, err = decodeBase64("tpm_quote.message", ev.TPMQuote.Message); err != nil {
		return nil, err
	}
	if q.attest, err = ParseAttest(q.message); err != nil {
		return nil, err
	}
	sig, err := decodeBase64("tpm_quote.signature", ev.TPMQuote.Signature)
	if err != nil {
		return nil, err
	}
	if q.signature, err = ParseSignature(sig); err != nil {
		return nil, err
	}
	if err := q.decodePCRs(ev.TPMQuote.PCRs); err != nil {
		return nil, err
	}
	if ev.AAEventLog != "" {
		log, err := decodeBase64("aa_eventlog", ev.AAEventLog)
		if err != nil {
			return nil, err
		}
		if q.events, err = ParseEventLog(log); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func (q *quote) decodePCRs(pcrs []string) error {
	if len(pcrs) != PCRCount {
		return fmt.Errorf("%w: %d PCR values, want %d", ErrMalformedEvidence, len(pcrs), PCRCount)
	}
	for i, s := range pcrs {
		if len(s) != 2*sha256.Size {
			return fmt.Errorf("%w: PCR %d is not 64 hex digits", ErrMalformedEvidence, i)
		}
		if _, err := hex.Decode(q.pcrs[i][:], []byte(s)); err != nil {
			return fmt.Errorf("%w: PCR %d: %w", ErrMalformedEvidence, i, err)
		}
	}
	return nil
}

func (q *quote) checkSignature() error {
	return q.signature.Verify(q.ak, q.message)
}

// checkPCRDigest recomputes the quote's PCR digest, with the signing
// scheme's hash as the TPM does, over the selected PCR values in order.
// Only the SHA-256 bank can be checked, since its values are all we have.
func (q *quote) checkPCRDigest() error {
	h, err := hashOf(q.signature.Hash)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}
	hasher := h.New()
	for _, sel := range q.attest.Selections {
		if sel.Hash != algSHA256 {
			return fmt.Errorf("%w: the quote selects PCR bank %#x; only SHA-256 values are sent", ErrPCRDigestMismatch, sel.Hash)
		}
		for _, i := range sel.PCRs {
			if i >= PCRCount {
				return fmt.Errorf("%w: the quote selects PCR %d", ErrPCRDigestMismatch, i)
			}
			hasher.Write(q.pcrs[i][:])
		}
		q.quoted = sel.PCRs
	}
	if subtle.ConstantTimeCompare(hasher.Sum(nil), q.attest.PCRDigest) != 1 {
		return ErrPCRDigestMismatch
	}
	return nil
}

func (q *quote) pcr(i int) ([sha256.Size]byte, error) {
	if !slices.Contains(q.quoted, i) {
		return [sha256.Size]byte{}, fmt.Errorf("%w: PCR %d", ErrPCRNotQuoted, i)
	}
	return q.pcrs[i], nil
}

func (q *quote) checkInitData(digest []byte) error {
	if len(digest) != sha256.Size {
		return fmt.Errorf("%w (got %d bytes)", ErrInitDataAlgorithm, len(digest))
	}
	got, err := q.pcr(InitDataPCR)
	if err != nil {
		return err
	}
	want := InitDataPCRValue(digest)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return ErrInitDataMismatch
	}
	return nil
}

func (q *quote) checkEventLog() error {
	for pcr, replayed := range Replay(q.events) {
		got, err := q.pcr(int(pcr))
		if err != nil {
			return fmt.Errorf("%w: the event log extends it", err)
		}
		if subtle.ConstantTimeCompare(got[:], replayed[:]) != 1 {
			return fmt.Errorf("%w: PCR %d", ErrEventLogMismatch, pcr)
		}
	}
	return nil
}
