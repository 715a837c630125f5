package image

import (
	"io"

	"github.com/opencontainers/go-digest"
)

// Phase is a layer's step.
type Phase string

// Phases, in order; PhaseCached replaces the download ones.
const (
	PhaseDownloading Phase = "downloading"
	PhaseDownloaded  Phase = "downloaded"
	PhaseCached      Phase = "cached"
	PhaseUnpacking   Phase = "unpacking"
	PhaseUnpacked    Phase = "unpacked"
)

// ProgressEvent tells how a layer advances; Done and Total are bytes of
// the blob (Total 0 when unknown).
type ProgressEvent struct {
	Layer digest.Digest
	Phase Phase
	Done  int64
	Total int64
}

// ProgressFunc receives events, from several goroutines at once.
type ProgressFunc func(ProgressEvent)

// progressStep is how many bytes pass between two events.
const progressStep = 1 << 20

// progressReader reports what is read through it.
type progressReader struct {
	r        io.Reader
	event    ProgressEvent
	report   ProgressFunc
	reported int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.event.Done += int64(n)
	if p.event.Done-p.reported >= progressStep || (err != nil && p.event.Done != p.reported) {
		p.reported = p.event.Done
		p.report(p.event)
	}
	return n, err
}

func (p *Puller) progress(ev ProgressEvent) {
	if p.opts.Progress != nil {
		p.opts.Progress(ev)
	}
}

// withProgress wraps r so reads are reported as phase events of layer.
func (p *Puller) withProgress(r io.Reader, layer digest.Digest, phase Phase, total int64) io.Reader {
	if p.opts.Progress == nil {
		return r
	}
	return &progressReader{r: r, report: p.opts.Progress, event: ProgressEvent{Layer: layer, Phase: phase, Total: total}}
}
