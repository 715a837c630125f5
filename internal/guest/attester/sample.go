package attester

import (
	"context"
	"encoding/json"
	"os"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

// EnableSampleDeviceEnv, when set (to anything), adds the sample device as
// an additional attestable device, as upstream does.
const EnableSampleDeviceEnv = "ENABLE_SAMPLE_DEVICE"

// Sample is the fallback attester of a guest with no TEE: its evidence is
// {"svn":"1","report_data":"<std base64 of the report data>"}, signed by
// nothing. It proves nothing, and Trustee's default policy refuses it.
type Sample struct{}

// SampleDevice is the sample attestable device ("svn":"2").
type SampleDevice struct{}

var (
	_ Attester = Sample{}
	_ Attester = SampleDevice{}
)

// Tee is "sample".
func (Sample) Tee() kbs.Tee { return kbs.TeeSample }

// Evidence carries reportData unpadded.
func (Sample) Evidence(_ context.Context, reportData []byte) (json.RawMessage, error) {
	return sample.NewEvidence(sample.CPUSVN, reportData), nil
}

// BindInitData is unsupported: nothing in a sample guest can hold a digest.
func (Sample) BindInitData(context.Context, []byte) error { return ErrUnsupported }

// ExtendRuntimeMeasurement is unsupported: the sample TEE has no registers.
func (Sample) ExtendRuntimeMeasurement(context.Context, []byte, uint64) error { return ErrUnsupported }

// SupportsRuntimeMeasurement is false.
func (Sample) SupportsRuntimeMeasurement() bool { return false }

// Tee is "sampledevice".
func (SampleDevice) Tee() kbs.Tee { return kbs.TeeSampleDevice }

// Evidence carries reportData unpadded.
func (SampleDevice) Evidence(_ context.Context, reportData []byte) (json.RawMessage, error) {
	return sample.NewEvidence(sample.DeviceSVN, reportData), nil
}

// BindInitData is unsupported.
func (SampleDevice) BindInitData(context.Context, []byte) error { return ErrUnsupported }

// ExtendRuntimeMeasurement is unsupported.
func (SampleDevice) ExtendRuntimeMeasurement(context.Context, []byte, uint64) error {
	return ErrUnsupported
}

// SupportsRuntimeMeasurement is false.
func (SampleDevice) SupportsRuntimeMeasurement() bool { return false }

func sampleDevicePresent() bool {
	_, ok := os.LookupEnv(EnableSampleDeviceEnv)
	return ok
}
