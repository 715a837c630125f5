package image

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	"golang.org/x/sync/errgroup"
)

// copyBufferSize is the one buffer each layer stream goes through.
const copyBufferSize = 256 << 10

// fetchLayers brings every layer not yet cached into the cache, a few at
// a time.
func (p *Puller) fetchLayers(ctx context.Context, img *remoteImage) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.concurrency())
	seen := map[string]bool{}
	for _, layer := range img.layers {
		if seen[layer.Digest.String()] {
			continue
		}
		seen[layer.Digest.String()] = true
		if p.cache.has(layer.Digest) {
			p.log.DebugContext(ctx, "layer cached", "layer", layer.Digest.String())
			p.progress(ProgressEvent{Layer: layer.Digest, Phase: PhaseCached, Done: layer.Size, Total: layer.Size})
			continue
		}
		g.Go(func() error { return p.fetchLayer(ctx, img.src, layer) })
	}
	return g.Wait()
}

// fetchLayer streams one blob: download, digest check, decryption, and
// into the cache. Nothing enters the cache unless the blob's digest (and,
// for encrypted layers, the HMAC and the plaintext digest) checked out.
func (p *Puller) fetchLayer(ctx context.Context, src types.ImageSource, info types.BlobInfo) (err error) {
	start := time.Now()
	rc, _, err := src.GetBlob(ctx, info, none.NoCache)
	if err != nil {
		return fmt.Errorf("layer %s: %w", info.Digest, err)
	}
	defer func() { _ = rc.Close() }() // read-only stream; its bytes are checked by digest
	blob, err := newDigestReader(p.withProgress(rc, info.Digest, PhaseDownloading, info.Size), info.Digest, info.Size)
	if err != nil {
		return err
	}
	var (
		r     io.Reader = blob
		plain *digestReader
	)
	if isEncrypted(info) {
		decrypted, want, err := p.decrypt(ctx, blob, info)
		if err != nil {
			return err
		}
		r = decrypted
		if want != "" {
			if plain, err = newDigestReader(decrypted, want, 0); err != nil {
				return fmt.Errorf("%w: layer %s: %w", ErrDecrypt, info.Digest, err)
			}
			r = plain
		}
	}
	f, err := p.cache.create()
	if err != nil {
		return fmt.Errorf("layer cache: %w", err)
	}
	defer func() {
		if err != nil {
			p.cache.discard(f)
		}
	}()
	n, err := io.CopyBuffer(f, r, make([]byte, copyBufferSize))
	if err != nil {
		return fmt.Errorf("layer %s: %w", info.Digest, err)
	}
	if err := blob.verify(); err != nil {
		return fmt.Errorf("layer %s: %w", info.Digest, err)
	}
	if plain != nil {
		if err := plain.verify(); err != nil {
			return fmt.Errorf("layer %s after decryption: %w", info.Digest, err)
		}
	}
	if err := p.cache.commit(f, info.Digest); err != nil {
		return fmt.Errorf("layer cache: %w", err)
	}
	p.progress(ProgressEvent{Layer: info.Digest, Phase: PhaseDownloaded, Done: info.Size, Total: info.Size})
	p.log.InfoContext(ctx, "layer pulled", "layer", info.Digest.String(), "encrypted", isEncrypted(info),
		"bytes", n, "duration", time.Since(start).Round(time.Millisecond).String(), "mib_per_s", mibPerSecond(blob.n, time.Since(start)))
	return nil
}

func mibPerSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / (1 << 20) / d.Seconds()
}
