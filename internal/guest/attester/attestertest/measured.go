package attestertest

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// rtmrCount is the number of TDX runtime measurement registers.
const rtmrCount = 4

// Measured is the sample attester with four software SHA-384 registers
// mapped from PCRs as TDX maps them to RTMRs. It is a fake hardware root
// for tests of runtime measurement: extends really hash, so a test can
// replay an event log against the registers.
type Measured struct {
	attester.Sample

	mu         sync.Mutex
	rtmr       [rtmrCount][]byte
	failExtend error
}

var (
	_ attester.Attester = (*Measured)(nil)
	_ eventlog.Register = (*Measured)(nil)
)

// NewMeasured returns a Measured attester with zeroed registers.
func NewMeasured() *Measured {
	m := &Measured{}
	for i := range m.rtmr {
		m.rtmr[i] = make([]byte, 48)
	}
	return m
}

// SupportsRuntimeMeasurement is true.
func (m *Measured) SupportsRuntimeMeasurement() bool { return true }

// MeasurementRegisterIndex maps PCRs to CCMRs as TDX does: 1 and 7 to 1,
// 2–6 to 2, 8–15 to 3, anything else to 4 (RTMR3).
func (m *Measured) MeasurementRegisterIndex(pcr uint64) uint32 {
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

// CCELHashAlgorithm is SHA-384, as on TDX.
func (m *Measured) CCELHashAlgorithm() kbs.HashAlgorithm { return kbs.SHA384 }

// ExtendRuntimeMeasurement sets RTMR = SHA-384(RTMR || digest), with digest
// zero-padded to 48 bytes as the TDX attester does.
func (m *Measured) ExtendRuntimeMeasurement(_ context.Context, digest []byte, index uint64) error {
	if len(digest) > 48 {
		return fmt.Errorf("attestertest: digest of %d bytes does not fit a 48-byte register", len(digest))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failExtend != nil {
		return m.failExtend
	}
	i := m.MeasurementRegisterIndex(index) - 1
	next, err := kbs.SHA384.Sum(bytes.Join([][]byte{m.rtmr[i], kbs.Regularize(digest, 48)}, nil))
	if err != nil {
		return err
	}
	m.rtmr[i] = next
	return nil
}

// RuntimeMeasurement returns a copy of the register of PCR index.
func (m *Measured) RuntimeMeasurement(_ context.Context, index uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.rtmr[m.MeasurementRegisterIndex(index)-1]), nil
}

// FailExtends makes every later ExtendRuntimeMeasurement return err (nil
// restores it), to test what happens when hardware refuses an extend.
func (m *Measured) FailExtends(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failExtend = err
}
