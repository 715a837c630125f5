package attester

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Detector finds one TEE or attestable device and opens its attester.
// Hardware attester packages register one with Register, typically from
// an init function in a file the attestation-agent compiles in by build tag.
type Detector struct {
	Tee kbs.Tee
	// Present reports whether this machine has the TEE: a device node, a
	// configfs-tsm provider, an environment variable...
	Present func() bool
	// Open returns the attester; it is called only when Present is true.
	Open func(logger *slog.Logger) (Attester, error)
}

// primaryOrder is upstream's detect_tee_type order. The TPM comes last,
// after the Azure vTPM TEEs, because a bare TPM is not bound to a TEE.
var primaryOrder = []kbs.Tee{
	kbs.TeeTdx, kbs.TeeSgx, kbs.TeeAzTdxVtpm, kbs.TeeAzSnpVtpm, kbs.TeeSnp,
	kbs.TeeCsv, kbs.TeeCca, kbs.TeeSe, kbs.TeeTpm,
}

// deviceOrder is upstream's detect_attestable_devices order.
var deviceOrder = []kbs.Tee{kbs.TeeNvidia, kbs.TeeSampleDevice, kbs.TeeHygonDcu, kbs.TeeTpm}

// tpmDeviceExcluders are the TEEs whose attesters, when compiled in, keep
// a TPM from being used as an additional device: their measurements live
// in RTMRs or in the Azure vTPM itself.
var tpmDeviceExcluders = []kbs.Tee{kbs.TeeTdx, kbs.TeeAzSnpVtpm, kbs.TeeAzTdxVtpm}

// ErrInvalidDetector is returned by Registry.Register.
var ErrInvalidDetector = errors.New("attester: invalid detector")

// Registry holds the detectors compiled into a binary.
type Registry struct {
	mu        sync.Mutex
	detectors map[kbs.Tee]Detector
}

// NewRegistry returns a registry holding only the sample device, which
// needs no hardware. The sample TEE is the built-in fallback and is never
// registered.
func NewRegistry() *Registry {
	r := &Registry{detectors: make(map[kbs.Tee]Detector)}
	r.detectors[kbs.TeeSampleDevice] = Detector{
		Tee:     kbs.TeeSampleDevice,
		Present: sampleDevicePresent,
		Open:    func(*slog.Logger) (Attester, error) { return SampleDevice{}, nil },
	}
	return r
}

// Default is the registry the attestation-agent detects with.
var Default = NewRegistry()

// Register adds d to Default and panics if it is invalid or a duplicate:
// it is meant for init functions, where that is a build mistake.
func Register(d Detector) {
	if err := Default.Register(d); err != nil {
		panic(err)
	}
}

// Register adds a detector for a TEE upstream can detect.
func (r *Registry) Register(d Detector) error {
	if d.Present == nil || d.Open == nil {
		return fmt.Errorf("%w: %q needs Present and Open", ErrInvalidDetector, string(d.Tee))
	}
	if !slices.Contains(primaryOrder, d.Tee) && !slices.Contains(deviceOrder, d.Tee) {
		return fmt.Errorf("%w: %q is not a TEE upstream detects", ErrInvalidDetector, string(d.Tee))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.detectors[d.Tee]; dup {
		return fmt.Errorf("%w: %q registered twice", ErrInvalidDetector, string(d.Tee))
	}
	r.detectors[d.Tee] = d
	return nil
}

func (r *Registry) lookup(tee kbs.Tee) (Detector, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.detectors[tee]
	return d, ok
}

// DetectPrimary opens the attester of the first TEE present, in upstream's
// order, or the sample attester when there is none.
func (r *Registry) DetectPrimary(logger *slog.Logger) (Attester, error) {
	for _, tee := range primaryOrder {
		d, ok := r.lookup(tee)
		if !ok || !d.Present() {
			continue
		}
		if tee == kbs.TeeTpm {
			logger.Warn("a TPM was detected and is used as the primary attester; it is not bound to a TEE, so its evidence carries security risks")
		}
		a, err := d.Open(logger)
		if err != nil {
			return nil, fmt.Errorf("attester: open %s: %w", tee, err)
		}
		return a, nil
	}
	logger.Warn(noTeeWarning)
	return Sample{}, nil
}

const noTeeWarning = "No TEE platform detected. The sample attester will be used. " +
	"If you expect to collect evidence from inside a confidential guest, either the guest " +
	"is not configured correctly or this attestation-agent was built without the attester " +
	"of your platform. Check that the guest is confidential and that the agent was built " +
	"with that platform's attester. Attestation continues with the sample attester, whose " +
	"evidence proves nothing."

// DetectDevices opens the attesters of the additional devices present, in
// upstream's order. A TPM counts as a device only when it is not the
// primary attester and no TDX or Azure vTPM attester is compiled in.
func (r *Registry) DetectDevices(logger *slog.Logger, primary kbs.Tee) ([]Attester, error) {
	var devices []Attester
	for _, tee := range deviceOrder {
		if tee == kbs.TeeTpm && !r.tpmMayBeDevice(primary) {
			continue
		}
		d, ok := r.lookup(tee)
		if !ok || !d.Present() {
			continue
		}
		if tee == kbs.TeeTpm {
			logger.Warn("a TPM was detected as an additional device; it is not bound to the TEE, so its evidence carries security risks")
		}
		a, err := d.Open(logger)
		if err != nil {
			return nil, fmt.Errorf("attester: open device %s: %w", tee, err)
		}
		devices = append(devices, a)
	}
	return devices, nil
}

func (r *Registry) tpmMayBeDevice(primary kbs.Tee) bool {
	if primary == kbs.TeeTpm {
		return false
	}
	for _, tee := range tpmDeviceExcluders {
		if _, ok := r.lookup(tee); ok {
			return false
		}
	}
	return true
}
