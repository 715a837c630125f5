package imagetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BigImage is an image of one incompressible layer of size bytes (a
// file named "payload"), streamed to disk, for throughput measurements.
func BigImage(t testing.TB, size int64) *Image {
	t.Helper()
	return BuildImage(t, Layer{{Name: "payload", Mode: 0o644, RandomSize: size}})
}

// CopyMeasurement is one timed copy.
type CopyMeasurement struct {
	Bytes   int64 // image payload size
	Elapsed time.Duration
}

// MiBPerSecond is the copy's throughput.
func (m CopyMeasurement) MiBPerSecond() float64 {
	return float64(m.Bytes) / (1 << 20) / max(m.Elapsed.Seconds(), 1e-9)
}

// MeasureCopyToOCI times "skopeo copy src oci:<fresh dir>:m", the
// unencrypted baseline the pull benchmark is compared with; payload is
// the image size to divide by.
func (s *Skopeo) MeasureCopyToOCI(t testing.TB, src string, payload int64) CopyMeasurement {
	t.Helper()
	dest := "oci:" + filepath.Join(t.TempDir(), "oci") + ":m"
	start := time.Now()
	if err := s.Copy(context.Background(), src, dest); err != nil {
		t.Fatal(err)
	}
	return CopyMeasurement{Bytes: payload, Elapsed: time.Since(start)}
}
