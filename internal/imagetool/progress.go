package imagetool

import (
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
)

// progressStep is how many bytes of a blob pass between progress lines.
const progressStep = 64 << 20

// progress writes skopeo-like lines: one when a blob starts, one every
// progressStep bytes, one when it is done.
type progress struct{ w io.Writer }

func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w}
}

func (p *progress) linef(format string, args ...any) {
	_, _ = fmt.Fprintf(p.w, format+"\n", args...)
}

// blob starts a blob's progress; the returned reader counts what passes.
func (p *progress) blob(r io.Reader, d digest.Digest, size int64, encrypting bool) *countingReader {
	verb := "Copying"
	if encrypting {
		verb = "Encrypting"
	}
	p.linef("%s blob %s (%s)", verb, short(d), sizeText(size))
	return &countingReader{r: r, p: p, name: short(d), start: time.Now(), next: progressStep}
}

type countingReader struct {
	r     io.Reader
	p     *progress
	name  string
	start time.Time
	n     int64
	next  int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.n >= c.next {
		c.p.linef("  %s: %s", c.name, sizeText(c.n))
		c.next += progressStep
	}
	return n, err
}

// done reports the blob's size and throughput.
func (c *countingReader) done() {
	elapsed := time.Since(c.start)
	c.p.linef("  %s: done, %s in %s (%.1f MiB/s)", c.name, sizeText(c.n), elapsed.Round(time.Millisecond),
		float64(c.n)/(1<<20)/max(elapsed.Seconds(), 1e-9))
}

func sizeText(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// short is a digest's first 12 hex digits, as skopeo shows them.
func short(d digest.Digest) string {
	s := d.String()
	if len(s) > len("sha256:")+12 {
		return s[:len("sha256:")+12]
	}
	return s
}
