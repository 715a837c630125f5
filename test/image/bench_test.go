package image

import (
	"testing"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// benchImageSize is the 200 MiB image.
const benchImageSize = 200 << 20

// BenchmarkSkopeoCopy200MiB is the baseline of the pull benchmark: Debian
// skopeo copying a 200 MiB unencrypted image from the loopback registry
// into an OCI layout. The guest pull benchmark runs the same measurement
// (imagetest.Skopeo.MeasureCopyToOCI) in its own run to compare.
func BenchmarkSkopeoCopy200MiB(b *testing.B) {
	reg := imagetest.StartRegistry(b)
	skopeo := imagetest.NewSkopeo(b)
	src := skopeo.Push(b, imagetest.BigImage(b, benchImageSize), reg.Ref("big", "plain"))
	b.SetBytes(benchImageSize)
	b.ResetTimer()
	var last imagetest.CopyMeasurement
	for b.Loop() {
		last = skopeo.MeasureCopyToOCI(b, src, benchImageSize)
	}
	b.ReportMetric(last.MiBPerSecond(), "MiB/s")
}
