package image

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	guestimage "github.com/cocoon-cc/cocoon/internal/guest/image"
	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// maxPullHeap is the streaming bound: pulling never holds a layer.
const maxPullHeap = 64 << 20

// BenchmarkPullEncrypted200MiB pulls, decrypts and unpacks a 200 MiB
// encrypted image from the loopback registry with keys from a running
// Trustee, beside Debian skopeo copying the same image unencrypted into an
// OCI layout in the same run. It reports both throughputs and the peak Go
// heap during the pull, which must stay under 64 MiB.
func BenchmarkPullEncrypted200MiB(b *testing.B) {
	reg := imagetest.StartRegistry(b)
	skopeo := imagetest.NewSkopeo(b)
	plain := skopeo.Push(b, imagetest.BigImage(b, benchImageSize), reg.Ref("big", "plain"))
	tr := imagetest.StartTrustee(b, bin["trustee"], true)
	kp := imagetest.StartKeyProvider(b, bin["coco-keyprovider"], tr)
	kek := filepath.Join(b.TempDir(), "kek")
	if err := os.WriteFile(kek, []byte(strings.Repeat("b", 32)), 0o600); err != nil {
		b.Fatal(err)
	}
	encrypted := reg.Ref("big", "encrypted")
	imagetest.CocoonImage(b, bin["cocoon-image"], kp.Env(), "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
		"--encryption-key", "provider:attestation-agent:keyid=kbs:///default/key/big::keypath="+kek+"::algorithm=A256GCM", plain, encrypted)
	baseline := skopeo.MeasureCopyToOCI(b, plain, benchImageSize)

	resources, err := cdh.NewKBS(tr.URL, "", newSampleTokens(b, tr.URL), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchImageSize)
	b.ResetTimer()
	var elapsed time.Duration
	var peak uint64
	for b.Loop() {
		p := newPuller(b, reg, guestimage.Config{}, guestimage.Options{Resources: resources, Keys: cdh.NewKeyUnwrapper(resources)})
		bundle := b.TempDir()
		stop := sampleHeap()
		start := time.Now()
		if _, err := p.Pull(context.Background(), imageName(encrypted), bundle); err != nil {
			b.Fatal(err)
		}
		elapsed = time.Since(start)
		peak = max(peak, stop())
	}
	pull := float64(benchImageSize) / (1 << 20) / elapsed.Seconds()
	b.ReportMetric(pull, "MiB/s")
	b.ReportMetric(baseline.MiBPerSecond(), "skopeo-MiB/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.Logf("pull+decrypt+unpack %.1f MiB/s (%s), skopeo copy to OCI %.1f MiB/s (%s), peak Go heap %.1f MiB",
		pull, elapsed.Round(time.Millisecond), baseline.MiBPerSecond(), baseline.Elapsed.Round(time.Millisecond), float64(peak)/(1<<20))
	if peak >= maxPullHeap {
		b.Fatalf("peak Go heap %.1f MiB during the pull, want under %d MiB", float64(peak)/(1<<20), maxPullHeap>>20)
	}
}

// sampleHeap samples the live heap objects every 2 ms until the returned
// function is called, which returns the peak.
func sampleHeap() func() uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}
