package image

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// maxConfigSize bounds an image config blob.
const maxConfigSize = 8 << 20

// remoteImage is a resolved image: its source, manifest digests, layers
// and config.
type remoteImage struct {
	src            types.ImageSource
	manifestDigest digest.Digest
	listDigest     digest.Digest // "" unless the reference named a list
	layers         []types.BlobInfo
	config         ocispec.Image
}

// digests are the manifest digests a signature may name: the image's,
// then its list's.
func (img *remoteImage) digests() []digest.Digest {
	if img.listDigest == "" {
		return []digest.Digest{img.manifestDigest}
	}
	return []digest.Digest{img.manifestDigest, img.listDigest}
}

// resolve opens ref, picks this platform from a list, and fetches and
// checks the manifest and config.
func resolve(ctx context.Context, sys *types.SystemContext, ref reference.Named) (img *remoteImage, err error) {
	src, err := openSource(ctx, sys, ref)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = src.Close() // abandoned after a failure, which is the error to return
		}
	}()
	img = &remoteImage{src: src}
	raw, mime, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, err
	}
	if d, ok := ref.(reference.Digested); ok {
		if err := matchDigest(raw, d.Digest()); err != nil {
			return nil, err
		}
	}
	mime = manifest.NormalizedMIMEType(mime)
	if manifest.MIMETypeIsMultiImage(mime) {
		if raw, mime, err = img.chooseInstance(ctx, raw, mime); err != nil {
			return nil, err
		}
	}
	switch mime {
	case ocispec.MediaTypeImageManifest, manifest.DockerV2Schema2MediaType:
	default:
		return nil, fmt.Errorf("manifest type %q is not supported", mime)
	}
	m, err := manifest.FromBlob(raw, mime)
	if err != nil {
		return nil, err
	}
	if img.manifestDigest, err = manifest.Digest(raw); err != nil {
		return nil, err
	}
	for _, l := range m.LayerInfos() {
		img.layers = append(img.layers, l.BlobInfo)
	}
	if err := img.fetchConfig(ctx, m.ConfigInfo()); err != nil {
		return nil, err
	}
	return img, nil
}

func (img *remoteImage) chooseInstance(ctx context.Context, raw []byte, mime string) ([]byte, string, error) {
	list, err := manifest.ListFromBlob(raw, mime)
	if err != nil {
		return nil, "", err
	}
	if img.listDigest, err = manifest.Digest(raw); err != nil {
		return nil, "", err
	}
	instance, err := list.ChooseInstance(&types.SystemContext{OSChoice: "linux", ArchitectureChoice: runtime.GOARCH})
	if err != nil {
		return nil, "", err
	}
	raw, mime, err = img.src.GetManifest(ctx, &instance)
	if err != nil {
		return nil, "", err
	}
	if err := matchDigest(raw, instance); err != nil {
		return nil, "", err
	}
	return raw, manifest.NormalizedMIMEType(mime), nil
}

func (img *remoteImage) fetchConfig(ctx context.Context, info types.BlobInfo) error {
	b, err := fetchSmallBlob(ctx, img.src, info, maxConfigSize)
	if err != nil {
		return fmt.Errorf("image config: %w", err)
	}
	if err := json.Unmarshal(b, &img.config); err != nil {
		return fmt.Errorf("image config: %w", err)
	}
	if n, m := len(img.config.RootFS.DiffIDs), len(img.layers); n != m {
		return fmt.Errorf("image config has %d diff_ids for %d layers", n, m)
	}
	for _, d := range img.config.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("image config diff_id %q: %w", d, err)
		}
	}
	return nil
}

// matchDigest checks a manifest against the digest that named it.
func matchDigest(raw []byte, want digest.Digest) error {
	if err := want.Validate(); err != nil {
		return err
	}
	got := want.Algorithm().FromBytes(raw)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("%w: manifest is %s, want %s", ErrDigestMismatch, got, want)
	}
	return nil
}
