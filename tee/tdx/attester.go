package tdx

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/linuxtsm"
	"github.com/google/go-configfs-tsm/report"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/ccel"
)

// Paths guest-components reads in a TD.
const (
	DefaultCCELPath        = "/sys/firmware/acpi/tables/data/CCEL"
	DefaultAAELPath        = "/run/attestation-agent/eventlog"
	DefaultMeasurementsDir = "/sys/devices/virtual/misc/tdx_guest/measurements"
	guestDevice            = "/dev/tdx_guest"
	tsmProvider            = "tdx_guest\n"
)

// Attester collects TDX evidence inside a TD: the quote from configfs-tsm,
// the CC event log, and RTMRs and MRCONFIGID from the kernel's TSM
// measurements in sysfs (Linux 6.16 and later) when present.
type Attester struct {
	// TSM is the configfs-tsm client.
	TSM configfsi.Client
	// CCELPath, AAELPath and MeasurementsDir default to upstream's paths.
	CCELPath, AAELPath, MeasurementsDir string
}

// NewAttester returns the attester of this TD, on the kernel's configfs-tsm.
func NewAttester() (*Attester, error) {
	tsm, err := linuxtsm.MakeClient()
	if err != nil {
		return nil, fmt.Errorf("tdx: configfs-tsm: %w", err)
	}
	return &Attester{TSM: tsm, CCELPath: DefaultCCELPath, AAELPath: DefaultAAELPath, MeasurementsDir: DefaultMeasurementsDir}, nil
}

// Present reports whether this machine is a TD, as upstream detects it:
// the TDX guest device, or a configfs-tsm report provider "tdx_guest".
func Present() bool {
	if _, err := os.Stat(guestDevice); err == nil {
		return true
	}
	tsm, err := linuxtsm.MakeClient()
	if err != nil {
		return false
	}
	r, err := report.Create(tsm, &report.Request{})
	if err != nil {
		return false
	}
	// A probe answers a bool; a failed removal leaves one empty report entry.
	defer func() { _ = r.Destroy() }()
	provider, err := r.ReadOption("provider")
	return err == nil && string(provider) == tsmProvider
}

// Tee implements attester.Attester.
func (a *Attester) Tee() kbs.Tee { return kbs.TeeTdx }

// Evidence implements attester.Attester: a quote with reportData zero
// padded to 64 bytes, and the event log built as upstream builds it.
func (a *Attester) Evidence(_ context.Context, reportData []byte) (json.RawMessage, error) {
	if len(reportData) > reportDataSize {
		return nil, fmt.Errorf("tdx: report data of %d bytes, at most %d", len(reportData), reportDataSize)
	}
	quote, err := a.quote(Regularize(reportData, reportDataSize))
	if err != nil {
		return nil, err
	}
	ccelTable, err := readOptional(a.CCELPath)
	if err != nil {
		return nil, err
	}
	aael, err := readOptional(a.AAELPath)
	if err != nil {
		return nil, err
	}
	log, err := ccel.Build(ccelTable, aael)
	if err != nil {
		return nil, fmt.Errorf("tdx: event log: %w", err)
	}
	return NewEvidence(quote, log)
}

func (a *Attester) quote(reportData []byte) ([]byte, error) {
	resp, err := report.Get(a.TSM, &report.Request{InBlob: reportData})
	if err != nil {
		return nil, fmt.Errorf("tdx: configfs-tsm quote: %w", err)
	}
	if resp.Provider != tsmProvider {
		return nil, fmt.Errorf("tdx: configfs-tsm provider %q is not TDX", resp.Provider)
	}
	return resp.OutBlob, nil
}

// readOptional reads a file that may be absent (nil, nil).
func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tdx: %w", err)
	}
	return b, nil
}

// BindInitData implements attester.Attester: MRCONFIGID must be the digest
// zero padded to 48 bytes, or the agent must not start.
func (a *Attester) BindInitData(_ context.Context, digest []byte) error {
	mrConfigID, err := a.measurement("mrconfigid", func(q *Quote) []byte { return q.Body.MRConfigID[:] })
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(mrConfigID, Regularize(digest, measurementSize)) != 1 {
		return ErrInitDataMismatch
	}
	return nil
}

// measurement reads a TD measurement from sysfs, or from a fresh quote
// where the kernel exposes none.
func (a *Attester) measurement(name string, fromQuote func(*Quote) []byte) ([]byte, error) {
	if a.hasMeasurements() {
		b, err := os.ReadFile(filepath.Join(a.MeasurementsDir, name))
		if err != nil {
			return nil, fmt.Errorf("tdx: %w", err)
		}
		return b, nil
	}
	raw, err := a.quote(make([]byte, reportDataSize))
	if err != nil {
		return nil, err
	}
	q, err := ParseQuote(raw)
	if err != nil {
		return nil, err
	}
	return fromQuote(q), nil
}

func (a *Attester) hasMeasurements() bool {
	_, err := os.Stat(a.MeasurementsDir)
	return a.MeasurementsDir != "" && err == nil
}

// SupportsRuntimeMeasurement implements attester.Attester.
func (a *Attester) SupportsRuntimeMeasurement() bool { return a.hasMeasurements() }

// ExtendRuntimeMeasurement implements attester.Attester: the RTMR mapped
// from pcr is extended with a SHA-384 digest through sysfs.
func (a *Attester) ExtendRuntimeMeasurement(_ context.Context, digest []byte, pcr uint64) error {
	if !a.hasMeasurements() {
		return fmt.Errorf("tdx: no RTMR extend in sysfs: %w", attester.ErrUnsupported)
	}
	if len(digest) != measurementSize {
		return fmt.Errorf("tdx: RTMR digest of %d bytes, want %d", len(digest), measurementSize)
	}
	if err := os.WriteFile(a.rtmrPath(pcr), digest, 0o600); err != nil {
		return fmt.Errorf("tdx: extend RTMR: %w", err)
	}
	return nil
}

// RuntimeMeasurement reads the RTMR mapped from pcr (eventlog.Register).
func (a *Attester) RuntimeMeasurement(_ context.Context, pcr uint64) ([]byte, error) {
	rtmr := a.MeasurementRegisterIndex(pcr) - 1
	return a.measurement(filepath.Base(a.rtmrPath(pcr)), func(q *Quote) []byte { return q.Body.RTMRs[rtmr][:] })
}

func (a *Attester) rtmrPath(pcr uint64) string {
	return filepath.Join(a.MeasurementsDir, fmt.Sprintf("rtmr%d:sha384", a.MeasurementRegisterIndex(pcr)-1))
}

// MeasurementRegisterIndex maps a PCR to its CC measurement register as
// td-shim and UEFI do: 1 and 7 to 1 (RTMR0), 2-6 to 2, 8-15 to 3, any
// other to 4 (RTMR3).
func (a *Attester) MeasurementRegisterIndex(pcr uint64) uint32 {
	switch {
	case pcr == 1 || pcr == 7:
		return 1
	case pcr >= 2 && pcr <= 6:
		return 2
	case pcr >= 8 && pcr <= 15:
		return 3
	}
	return 4
}

// CCELHashAlgorithm is SHA-384, the RTMRs' hash (eventlog.Register).
func (a *Attester) CCELHashAlgorithm() kbs.HashAlgorithm { return kbs.SHA384 }
