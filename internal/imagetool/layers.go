package imagetool

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"strings"

	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	"github.com/containers/ocicrypt"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrDigestMismatch: a source blob's bytes do not match its digest.
var ErrDigestMismatch = errors.New("blob does not match its digest")

// copyLayer streams one layer to the destination, encrypting it when
// asked, and returns its new BlobInfo for the manifest.
func (c *copier) copyLayer(ctx context.Context, layer types.BlobInfo) (types.BlobInfo, error) {
	if c.opts.Encrypt == nil {
		reused, info, err := c.dest.TryReusingBlob(ctx, layer, none.NoCache, false)
		if err != nil {
			return types.BlobInfo{}, fmt.Errorf("check destination: %w", err)
		}
		if reused {
			c.progress.linef("Copying blob %s skipped: already exists", short(layer.Digest))
			return info, nil
		}
	} else if err := checkEncryptable(layer); err != nil {
		return types.BlobInfo{}, err
	}
	stream, size, err := c.src.GetBlob(ctx, layer, none.NoCache)
	if err != nil {
		return types.BlobInfo{}, fmt.Errorf("read: %w", err)
	}
	defer func() { _ = stream.Close() }()
	verified, err := newVerifyingReader(stream, layer.Digest)
	if err != nil {
		return types.BlobInfo{}, err
	}
	counted := c.progress.blob(verified, layer.Digest, size, c.opts.Encrypt != nil)
	if c.opts.Encrypt == nil {
		info, err := c.dest.PutBlob(ctx, counted, layer, none.NoCache, false)
		if err != nil {
			return types.BlobInfo{}, fmt.Errorf("write: %w", err)
		}
		counted.done()
		return info, nil
	}
	return c.putEncrypted(ctx, layer, counted)
}

// putEncrypted encrypts the layer stream with ocicrypt on its way to the
// destination and adds ocicrypt's annotations (the wrapped keys from the
// key providers, pubopts) once the whole layer has been written.
func (c *copier) putEncrypted(ctx context.Context, layer types.BlobInfo, plain *countingReader) (types.BlobInfo, error) {
	desc := imgspecv1.Descriptor{MediaType: layer.MediaType, Digest: layer.Digest, Size: layer.Size, Annotations: layer.Annotations}
	encrypted, finalize, err := ocicrypt.EncryptLayer(c.opts.Encrypt, plain, desc)
	if err != nil {
		return types.BlobInfo{}, fmt.Errorf("%w: %w", ErrEncryption, err)
	}
	info, err := c.dest.PutBlob(ctx, encrypted, types.BlobInfo{Size: -1}, none.NoCache, false)
	if err != nil {
		return types.BlobInfo{}, fmt.Errorf("write encrypted: %w", err)
	}
	encAnnotations, err := finalize()
	if err != nil {
		return types.BlobInfo{}, fmt.Errorf("%w: wrap the layer key: %w", ErrEncryption, err)
	}
	plain.done()
	annotations := maps.Clone(layer.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	maps.Copy(annotations, encAnnotations)
	return types.BlobInfo{
		Digest:          info.Digest,
		Size:            info.Size,
		MediaType:       layer.MediaType,
		Annotations:     annotations,
		CryptoOperation: types.Encrypt,
	}, nil
}

// checkEncryptable refuses layers encryption would make unusable: the
// guest pull accepts only compressed layers, and re-encrypting or
// encrypting foreign layers is not what anyone means.
func checkEncryptable(layer types.BlobInfo) error {
	mt := layer.MediaType
	switch {
	case strings.HasSuffix(mt, "+encrypted"):
		return fmt.Errorf("%w: layer is already encrypted (%s)", ErrEncryption, mt)
	case strings.Contains(mt, "nondistributable") || strings.Contains(mt, "foreign"):
		return fmt.Errorf("%w: foreign (non-distributable) layers cannot be encrypted (%s)", ErrEncryption, mt)
	case mt == imgspecv1.MediaTypeImageLayer || strings.HasSuffix(mt, ".tar"):
		return fmt.Errorf("%w: layer is uncompressed (%s); the guest pull needs gzip or zstd layers", ErrEncryption, mt)
	}
	return nil
}

// verifyingReader fails the read that reaches EOF when the bytes read do
// not hash to the expected digest, so a corrupted blob is never stored
// or encrypted as if it were the source's.
type verifyingReader struct {
	r    io.Reader
	want digest.Digest
	hash hash.Hash
}

func newVerifyingReader(r io.Reader, want digest.Digest) (*verifyingReader, error) {
	if err := want.Validate(); err != nil {
		return nil, fmt.Errorf("source digest %q: %w", want, err)
	}
	return &verifyingReader{r: r, want: want, hash: want.Algorithm().Hash()}, nil
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.hash.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if got := digest.NewDigest(v.want.Algorithm(), v.hash); got != v.want {
			return n, fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, got, v.want)
		}
	}
	return n, err
}
