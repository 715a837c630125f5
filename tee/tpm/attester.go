package tpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// quoteAttempts bounds the retries when a PCR changes between reading the
// PCRs and quoting them.
const quoteAttempts = 3

// Attester collects TPM evidence in the guest. It is safe for concurrent
// use: TPM commands are serialised.
type Attester struct {
	mu           sync.Mutex
	tpm          transport.TPMCloser
	ak           *attestationKey
	eventLogPath string
	logger       *slog.Logger
}

// Open connects to the TPM of cfg and loads the AK, creating and persisting
// it when its handle is empty.
func Open(ctx context.Context, cfg Config) (*Attester, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	device := cfg.Device
	if device == "" {
		var err error
		if device, err = DetectDevice(); err != nil {
			return nil, err
		}
	}
	handle := cfg.AKHandle
	if handle == 0 {
		handle = DefaultAKHandle
	}
	t, err := openDevice(ctx, device)
	if err != nil {
		return nil, err
	}
	ak, created, err := loadOrCreateAK(t, handle)
	if err != nil {
		_ = t.Close()
		return nil, err
	}
	if created {
		logger.Info("created the TPM attestation key", slog.String("handle", fmt.Sprintf("%#x", handle)))
	}
	logger.Info("TPM attester ready", slog.String("device", device), slog.String("ak_handle", fmt.Sprintf("%#x", handle)))
	return &Attester{tpm: t, ak: ak, eventLogPath: cfg.EventLogPath, logger: logger}, nil
}

// OpenFromEnv opens the TPM upstream's environment variables name; see
// ConfigFromEnv.
func OpenFromEnv(ctx context.Context, logger *slog.Logger) (*Attester, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	cfg.Logger = logger
	return Open(ctx, cfg)
}

// Close releases the TPM connection.
func (a *Attester) Close() error { return a.tpm.Close() }

// Tee is kbs.TeeTpm.
func (a *Attester) Tee() kbs.Tee { return kbs.TeeTpm }

// AKPublic returns the AK's DER SubjectPublicKeyInfo.
func (a *Attester) AKPublic() []byte { return bytes.Clone(a.ak.der) }

// Evidence quotes all SHA-256 PCRs with reportData resized to 32 bytes as
// the nonce and returns upstream's TPM evidence, with the AAEL when the
// event log file exists.
func (a *Attester) Evidence(ctx context.Context, reportData []byte) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ev, err := a.quote(Regularize(reportData, NonceSize))
	if err != nil {
		return nil, err
	}
	if ev.AAEventLog, err = a.readEventLog(); err != nil {
		return nil, err
	}
	return ev.Marshal()
}

// quote reads the PCRs and quotes them, again when a PCR moved in between,
// so that the values sent are the values quoted.
func (a *Attester) quote(nonce []byte) (*Evidence, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range quoteAttempts {
		pcrs, err := readPCRs(a.tpm)
		if err != nil {
			return nil, err
		}
		rsp, err := tpm2.Quote{
			SignHandle:     tpm2.AuthHandle{Handle: a.ak.handle.Handle, Name: a.ak.handle.Name, Auth: tpm2.PasswordAuth(nil)},
			QualifyingData: tpm2.TPM2BData{Buffer: nonce},
			InScheme:       tpm2.TPMTSigScheme{Scheme: tpm2.TPMAlgNull},
			PCRSelect:      sha256Selection(allPCRs()...),
		}.Execute(a.tpm)
		if err != nil {
			return nil, fmt.Errorf("tpm: quote: %w", err)
		}
		message := rsp.Quoted.Bytes()
		signature := tpm2.Marshal(rsp.Signature)
		same, err := quotes(message, signature, pcrs)
		if err != nil {
			return nil, fmt.Errorf("tpm: quote: %w", err)
		}
		if !same {
			a.logger.Info("a PCR changed while quoting; quoting again")
			continue
		}
		ev := &Evidence{
			TPMQuote: Quote{
				Signature: base64.StdEncoding.EncodeToString(signature),
				Message:   base64.StdEncoding.EncodeToString(message),
				PCRs:      make([]string, PCRCount),
			},
			AKPublic: base64.StdEncoding.EncodeToString(a.ak.der),
		}
		for i, v := range pcrs {
			ev.TPMQuote.PCRs[i] = hex.EncodeToString(v[:])
		}
		return ev, nil
	}
	return nil, fmt.Errorf("tpm: quote: PCRs kept changing during %d attempts", quoteAttempts)
}

// quotes reports whether the quote's PCR digest is that of pcrs, hashed
// as the TPM does with the signing scheme's hash.
func quotes(message, signature []byte, pcrs [PCRCount][sha256.Size]byte) (bool, error) {
	attest, err := ParseAttest(message)
	if err != nil {
		return false, err
	}
	sig, err := ParseSignature(signature)
	if err != nil {
		return false, err
	}
	h, err := hashOf(sig.Hash)
	if err != nil {
		return false, err
	}
	hasher := h.New()
	for _, v := range pcrs {
		hasher.Write(v[:])
	}
	return bytes.Equal(hasher.Sum(nil), attest.PCRDigest), nil
}

func (a *Attester) readEventLog() (string, error) {
	if a.eventLogPath == "" {
		return "", nil
	}
	b, err := os.ReadFile(a.eventLogPath)
	if errors.Is(err, fs.ErrNotExist) || len(b) == 0 {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("tpm: read event log: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// BindInitData extends PCR 8 with the init-data digest, which must be
// SHA-256: a PCR extend of the SHA-256 bank carries 32 bytes.
func (a *Attester) BindInitData(ctx context.Context, digest []byte) error {
	if len(digest) != sha256.Size {
		return fmt.Errorf("%w (got %d bytes)", ErrInitDataAlgorithm, len(digest))
	}
	return a.ExtendRuntimeMeasurement(ctx, digest, InitDataPCR)
}

// SupportsRuntimeMeasurement is true: any PCR can be extended.
func (a *Attester) SupportsRuntimeMeasurement() bool { return true }

// ExtendRuntimeMeasurement extends PCR index (DefaultRuntimePCR for the
// AAEL) with a SHA-256 digest.
func (a *Attester) ExtendRuntimeMeasurement(ctx context.Context, digest []byte, index uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return extendPCR(a.tpm, index, digest)
}

// RuntimeMeasurement returns the SHA-256 value of PCR index.
func (a *Attester) RuntimeMeasurement(ctx context.Context, index uint64) ([]byte, error) {
	pcrs, err := a.PCRs(ctx)
	if err != nil {
		return nil, err
	}
	if index >= PCRCount {
		return nil, fmt.Errorf("tpm: PCR %d out of range", index)
	}
	return bytes.Clone(pcrs[index][:]), nil
}

// PCRs returns the SHA-256 bank.
func (a *Attester) PCRs(ctx context.Context) ([PCRCount][sha256.Size]byte, error) {
	if err := ctx.Err(); err != nil {
		return [PCRCount][sha256.Size]byte{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return readPCRs(a.tpm)
}
