package imagetool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	encconfig "github.com/containers/ocicrypt/config"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Options are what to copy and how; the zero value copies as is.
type Options struct {
	// SourceInsecure and DestinationInsecure allow plain HTTP and
	// unverified TLS (skopeo's --src-tls-verify=false and
	// --dest-tls-verify=false).
	SourceInsecure, DestinationInsecure bool
	// RegistriesDirPath is a registries.d directory (lookaside locations
	// for GPG signatures); "" means containers/image's default.
	RegistriesDirPath string
	// Encrypt, when set, encrypts every layer (from EncryptConfig).
	Encrypt *encconfig.EncryptConfig
	// SigstoreKey signs the copied manifest with a sigstore (cosign) key
	// into registry attachments; docker:// destinations only.
	SigstoreKey *SigstoreKey
	// GPGSigner signs the copied manifest with GPG simple signing into
	// the destination's signature storage (lookaside for docker://).
	GPGSigner *GPGSigner
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

// Result is what a copy wrote.
type Result struct {
	ManifestDigest digest.Digest
	Manifest       []byte
}

// Copy copies the image src names to dest (skopeo-style names, see
// ParseReference). A manifest list source is resolved to the instance for
// this platform, which alone is copied.
func Copy(ctx context.Context, src, dest string, o Options) (*Result, error) {
	srcRef, err := ParseReference(src)
	if err != nil {
		return nil, err
	}
	destRef, err := ParseReference(dest)
	if err != nil {
		return nil, err
	}
	c := &copier{opts: o, progress: newProgress(o.Progress)}
	c.srcSys = c.systemContext(o.SourceInsecure)
	c.destSys = c.systemContext(o.DestinationInsecure)
	if err := c.checkSigning(destRef); err != nil {
		return nil, err
	}

	source, err := srcRef.NewImageSource(ctx, c.srcSys)
	if err != nil {
		return nil, fmt.Errorf("open source %s: %w", src, err)
	}
	defer func() { _ = source.Close() }()
	unparsed, err := c.chooseInstance(ctx, source)
	if err != nil {
		return nil, err
	}
	img, err := image.FromUnparsedImage(ctx, c.srcSys, unparsed)
	if err != nil {
		return nil, fmt.Errorf("read source image %s: %w", src, err)
	}
	destination, err := destRef.NewImageDestination(ctx, c.destSys)
	if err != nil {
		return nil, fmt.Errorf("open destination %s: %w", dest, err)
	}
	defer func() { _ = destination.Close() }()
	c.src, c.dest = source, destination

	result, err := c.copyImage(ctx, img)
	if err != nil {
		return nil, err
	}
	if err := c.sign(ctx, destRef, result.ManifestDigest); err != nil {
		return nil, err
	}
	if err := destination.Commit(ctx, unparsed); err != nil {
		return nil, fmt.Errorf("commit %s: %w", dest, err)
	}
	if err := c.attachSigstore(ctx, destRef, result.ManifestDigest); err != nil {
		return nil, err
	}
	c.progress.linef("Wrote manifest %s to %s", result.ManifestDigest, dest)
	return result, nil
}

// copier holds one copy's state.
type copier struct {
	opts            Options
	progress        *progress
	srcSys, destSys *types.SystemContext
	src             types.ImageSource
	dest            types.ImageDestination
}

func (c *copier) systemContext(insecure bool) *types.SystemContext {
	return &types.SystemContext{
		DockerInsecureSkipTLSVerify: types.NewOptionalBool(insecure),
		OCIInsecureSkipTLSVerify:    insecure,
		RegistriesDirPath:           c.opts.RegistriesDirPath,
	}
}

// chooseInstance resolves a manifest list to this platform's image.
func (c *copier) chooseInstance(ctx context.Context, source types.ImageSource) (*image.UnparsedImage, error) {
	raw, mimeType, err := source.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read source manifest: %w", err)
	}
	if !manifest.MIMETypeIsMultiImage(mimeType) {
		return image.UnparsedInstance(source, nil), nil
	}
	list, err := manifest.ListFromBlob(raw, mimeType)
	if err != nil {
		return nil, fmt.Errorf("parse source manifest list: %w", err)
	}
	instance, err := list.ChooseInstance(c.srcSys)
	if err != nil {
		return nil, fmt.Errorf("choose an image of the manifest list: %w", err)
	}
	c.progress.linef("Manifest list: copying this platform's image %s", instance)
	return image.UnparsedInstance(source, &instance), nil
}

// copyImage copies the layers and config and writes the manifest.
func (c *copier) copyImage(ctx context.Context, img types.Image) (*Result, error) {
	_, srcMIME, err := img.Manifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("read source manifest: %w", err)
	}
	destMIME, err := c.destinationMIMEType(srcMIME)
	if err != nil {
		return nil, err
	}
	c.progress.linef("Getting image source signatures")
	layers := img.LayerInfos()
	copied := make([]types.BlobInfo, len(layers))
	for i, layer := range layers {
		if copied[i], err = c.copyLayer(ctx, layer); err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i+1, layer.Digest, err)
		}
	}

	updated := img
	if c.opts.Encrypt != nil || destMIME != srcMIME {
		options := types.ManifestUpdateOptions{
			LayerInfos:      copied,
			InformationOnly: types.ManifestUpdateInformation{Destination: c.dest, LayerInfos: copied},
		}
		if destMIME != srcMIME {
			options.ManifestMIMEType = destMIME
		}
		if updated, err = img.UpdatedImage(ctx, options); err != nil {
			return nil, fmt.Errorf("update manifest: %w", err)
		}
	}
	if err := c.copyConfig(ctx, updated); err != nil {
		return nil, err
	}
	raw, _, err := updated.Manifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("serialize manifest: %w", err)
	}
	c.progress.linef("Writing manifest to image destination")
	if err := c.dest.PutManifest(ctx, raw, nil); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return nil, fmt.Errorf("manifest digest: %w", err)
	}
	return &Result{ManifestDigest: d, Manifest: raw}, nil
}

// destinationMIMEType keeps the source's manifest type when it can: the
// manifest then stays byte for byte, and so does its digest. Encryption
// needs OCI, the only type with encrypted layer media types.
func (c *copier) destinationMIMEType(srcMIME string) (string, error) {
	supported := c.dest.SupportedManifestMIMETypes()
	accepts := func(mime string) bool { return len(supported) == 0 || slices.Contains(supported, mime) }
	switch {
	case srcMIME == manifest.DockerV2Schema1MediaType || srcMIME == manifest.DockerV2Schema1SignedMediaType:
		return "", errors.New("docker schema 1 images are not supported; convert the image to OCI or docker schema 2 first")
	case c.opts.Encrypt != nil:
		if !accepts(imgspecv1.MediaTypeImageManifest) {
			return "", fmt.Errorf("%w: the destination does not accept OCI manifests, which encrypted images need", ErrEncryption)
		}
		return imgspecv1.MediaTypeImageManifest, nil
	case accepts(srcMIME):
		return srcMIME, nil
	case accepts(imgspecv1.MediaTypeImageManifest):
		return imgspecv1.MediaTypeImageManifest, nil
	}
	return "", fmt.Errorf("the destination accepts none of %s, %s", srcMIME, imgspecv1.MediaTypeImageManifest)
}

// copyConfig writes the config blob the (possibly converted) manifest names.
func (c *copier) copyConfig(ctx context.Context, img types.Image) error {
	info := img.ConfigInfo()
	blob, err := img.ConfigBlob(ctx) // checked against info.Digest
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	c.progress.linef("Copying config %s", info.Digest)
	if _, err := c.dest.PutBlob(ctx, bytes.NewReader(blob), info, none.NoCache, true); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
