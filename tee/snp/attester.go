package snp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/client"
	"github.com/google/uuid"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Errors of the attester; callers branch on them.
var (
	// ErrReportDataTooLong means more than 64 bytes of report data.
	ErrReportDataTooLong = errors.New("snp: report data longer than 64 bytes")
	// ErrRuntimeMeasurementUnsupported is returned by
	// ExtendRuntimeMeasurement: SEV-SNP has no runtime measurement register.
	// It wraps attester.ErrUnsupported, which the attestation-agent tests.
	ErrRuntimeMeasurementUnsupported = fmt.Errorf("snp: runtime measurement: %w", attester.ErrUnsupported)
)

// guestDevicePath is what upstream's attester detects SEV-SNP by.
const guestDevicePath = "/sys/devices/platform/sev-guest"

// Present reports whether this machine is an SEV-SNP guest, upstream's
// detection.
func Present() bool {
	_, err := os.Stat(guestDevicePath)
	return err == nil
}

// Detector is the entry of the attestation-agent's detection list:
// attester.Register(snp.Detector()) in a file the agent compiles in.
func Detector() attester.Detector {
	return attester.Detector{
		Tee:     kbs.TeeSnp,
		Present: Present,
		Open:    func(*slog.Logger) (attester.Attester, error) { return NewAttester() },
	}
}

// Attester collects SNP evidence inside the guest.
type Attester struct {
	quotes client.QuoteProvider
}

var _ attester.Attester = (*Attester)(nil)

// NewAttester opens the platform's report interface: configfs-tsm when the
// kernel has it, else /dev/sev-guest (go-sev-guest's choice).
func NewAttester() (*Attester, error) {
	qp, err := client.GetQuoteProvider()
	if err != nil {
		return nil, fmt.Errorf("snp: open attester: %w", err)
	}
	return NewAttesterWith(qp), nil
}

// NewAttesterWith returns an attester reading reports from qp, e.g.
// go-sev-guest's fake device in tests.
func NewAttesterWith(qp client.QuoteProvider) *Attester {
	return &Attester{quotes: qp}
}

// Tee returns "snp".
func (a *Attester) Tee() kbs.Tee { return kbs.TeeSnp }

// Evidence returns upstream's SNP evidence JSON for a report at VMPL 0
// carrying reportData zero-padded to 64 bytes, with the certificates the
// host provides.
func (a *Attester) Evidence(ctx context.Context, reportData []byte) (json.RawMessage, error) {
	if len(reportData) > ReportDataSize {
		return nil, ErrReportDataTooLong
	}
	ev, err := a.evidence(ctx, reportData)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

func (a *Attester) evidence(ctx context.Context, reportData []byte) (*Evidence, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rd [ReportDataSize]byte
	copy(rd[:], reportData)
	raw, err := a.rawQuote(rd)
	if err != nil {
		return nil, fmt.Errorf("snp: get report: %w", err)
	}
	if len(raw) < ReportSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedReport, len(raw))
	}
	report, err := ParseReport(raw[:ReportSize])
	if err != nil {
		return nil, err
	}
	chain, err := certChain(raw[ReportSize:])
	if err != nil {
		return nil, err
	}
	return &Evidence{AttestationReport: *report, CertChain: chain}, nil
}

// rawQuote asks for VMPL 0 explicitly where the provider allows it, as
// upstream does.
func (a *Attester) rawQuote(rd [ReportDataSize]byte) ([]byte, error) {
	if leveled, ok := a.quotes.(client.LeveledQuoteProvider); ok {
		return leveled.GetRawQuoteAtLevel(rd, 0)
	}
	return a.quotes.GetRawQuote(rd)
}

// certTypes maps the GUIDs of the host's certificate table to the sev
// crate's names.
var certTypes = map[uuid.UUID]string{
	uuid.MustParse(abi.ArkGUID):  CertARK,
	uuid.MustParse(abi.AskGUID):  CertASK,
	uuid.MustParse(abi.VcekGUID): CertVCEK,
	uuid.MustParse(abi.VlekGUID): CertVLEK,
}

// certChain converts the host's certificate table to the evidence's chain,
// or nil when the host provided none. go-sev-guest's own platform-info
// entry is not a certificate of the host and is left out.
func certChain(table []byte) ([]CertTableEntry, error) {
	if len(table) == 0 {
		return nil, nil
	}
	var t abi.CertTable
	if err := t.Unmarshal(table); err != nil {
		return nil, fmt.Errorf("snp: certificate table: %w", err)
	}
	extra := uuid.MustParse(abi.ExtraPlatformInfoGUID)
	var chain []CertTableEntry
	for _, e := range t.Entries {
		if e.GUID == extra {
			continue
		}
		ct := CertType{Name: CertOther, GUID: e.GUID}
		if name, ok := certTypes[e.GUID]; ok {
			ct = CertType{Name: name}
		}
		chain = append(chain, CertTableEntry{CertType: ct, Data: e.RawCert})
	}
	return chain, nil
}

// BindInitData checks that the guest was launched with the init-data of
// digest: HOSTDATA, read from a fresh report, must equal the digest
// zero-padded or truncated to 32 bytes.
func (a *Attester) BindInitData(ctx context.Context, digest []byte) error {
	ev, err := a.evidence(ctx, nil)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(Regularize(digest, HostDataSize), ev.AttestationReport.HostData) != 1 {
		return ErrHostDataMismatch
	}
	return nil
}

// ExtendRuntimeMeasurement returns ErrRuntimeMeasurementUnsupported.
func (a *Attester) ExtendRuntimeMeasurement(context.Context, []byte, uint64) error {
	return ErrRuntimeMeasurementUnsupported
}

// SupportsRuntimeMeasurement returns false.
func (a *Attester) SupportsRuntimeMeasurement() bool { return false }
