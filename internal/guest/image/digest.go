package image

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/opencontainers/go-digest"
)

// digestReader hashes what is read through it; verify, after EOF, checks
// the digest (constant time) and, when known (> 0), the size.
type digestReader struct {
	r      io.Reader
	want   digest.Digest
	size   int64
	h      hash.Hash
	n      int64
	sawEOF bool
}

func newDigestReader(r io.Reader, want digest.Digest, size int64) (*digestReader, error) {
	if err := want.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrDigestMismatch, want, err)
	}
	return &digestReader{r: r, want: want, size: size, h: want.Algorithm().Hash()}, nil
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	d.n += int64(n)
	if errors.Is(err, io.EOF) {
		d.sawEOF = true
	}
	return n, err
}

// verify drains what is left (tar and decompressors may stop before the
// end), then compares.
func (d *digestReader) verify() error {
	if !d.sawEOF {
		if _, err := io.Copy(io.Discard, d); err != nil {
			return err
		}
	}
	if d.size > 0 && d.n != d.size {
		return fmt.Errorf("%w: %s: %d bytes, want %d", ErrDigestMismatch, d.want, d.n, d.size)
	}
	got := d.h.Sum(nil)
	want, _ := hex.DecodeString(d.want.Encoded()) // validated in newDigestReader
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return fmt.Errorf("%w: content does not match %s", ErrDigestMismatch, d.want)
	}
	return nil
}
