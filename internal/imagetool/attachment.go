package imagetool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// The cosign attachment format (cosign's SIGNATURE_SPEC), as
// containers/image writes and reads it.
const (
	sigstorePayloadMediaType    = "application/vnd.dev.cosign.simplesigning.v1+json"
	sigstoreSignatureAnnotation = "dev.cosignproject.cosign/signature"
	maxAttachmentConfig         = 4 << 20
)

// attachmentTag is the tag holding the signatures of manifestDigest.
func attachmentTag(manifestDigest digest.Digest) string {
	return strings.Replace(manifestDigest.String(), ":", "-", 1) + ".sig"
}

// putSigstoreAttachment adds one signature to the attachment image of
// manifestDigest in repo, keeping the signatures already there.
func putSigstoreAttachment(ctx context.Context, sys *types.SystemContext, repo reference.Named, manifestDigest digest.Digest, payload []byte, sig string) error {
	tagged, err := reference.WithTag(reference.TrimNamed(repo), attachmentTag(manifestDigest))
	if err != nil {
		return err
	}
	ref, err := docker.NewReference(tagged)
	if err != nil {
		return err
	}
	m, config, err := existingAttachment(ctx, sys, ref)
	if err != nil {
		return err
	}
	layer := imgspecv1.Descriptor{
		MediaType:   sigstorePayloadMediaType,
		Digest:      digest.FromBytes(payload),
		Size:        int64(len(payload)),
		Annotations: map[string]string{sigstoreSignatureAnnotation: sig},
	}
	m.Layers = append(m.Layers, layer)
	config.RootFS.DiffIDs = append(config.RootFS.DiffIDs, layer.Digest)
	configBlob, err := json.Marshal(config)
	if err != nil {
		return err
	}
	m.Config = imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageConfig, Digest: digest.FromBytes(configBlob), Size: int64(len(configBlob))}

	dest, err := ref.NewImageDestination(ctx, sys)
	if err != nil {
		return err
	}
	defer func() { _ = dest.Close() }()
	for _, blob := range []struct {
		data     []byte
		desc     imgspecv1.Descriptor
		isConfig bool
	}{{payload, layer, false}, {configBlob, m.Config, true}} {
		info := types.BlobInfo{Digest: blob.desc.Digest, Size: blob.desc.Size, MediaType: blob.desc.MediaType}
		if _, err := dest.PutBlob(ctx, bytes.NewReader(blob.data), info, none.NoCache, blob.isConfig); err != nil {
			return fmt.Errorf("upload attachment blob: %w", err)
		}
	}
	raw, err := m.Serialize()
	if err != nil {
		return err
	}
	if err := dest.PutManifest(ctx, raw, nil); err != nil {
		return fmt.Errorf("upload attachment manifest: %w", err)
	}
	return dest.Commit(ctx, nil)
}

// existingAttachment reads the attachment image at ref, or starts an
// empty one when the registry does not know it.
func existingAttachment(ctx context.Context, sys *types.SystemContext, ref types.ImageReference) (*manifest.OCI1, *imgspecv1.Image, error) {
	fresh := func() (*manifest.OCI1, *imgspecv1.Image, error) {
		config := &imgspecv1.Image{}
		config.RootFS.Type = "layers"
		return manifest.OCI1FromComponents(imgspecv1.Descriptor{}, nil), config, nil
	}
	// The docker transport reads the manifest when opening the source.
	src, err := ref.NewImageSource(ctx, sys)
	if isManifestUnknown(err) {
		return fresh()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read attachments: %w", err)
	}
	defer func() { _ = src.Close() }()
	raw, mimeType, err := src.GetManifest(ctx, nil)
	if isManifestUnknown(err) {
		return fresh()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read attachments: %w", err)
	}
	if mimeType != imgspecv1.MediaTypeImageManifest {
		return nil, nil, fmt.Errorf("attachment %s is a %s, not an OCI manifest", ref.StringWithinTransport(), mimeType)
	}
	m, err := manifest.OCI1FromManifest(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("parse attachment manifest: %w", err)
	}
	blob, _, err := src.GetBlob(ctx, types.BlobInfo{Digest: m.Config.Digest, Size: m.Config.Size}, none.NoCache)
	if err != nil {
		return nil, nil, fmt.Errorf("read attachment config: %w", err)
	}
	defer func() { _ = blob.Close() }()
	verified, err := newVerifyingReader(io.LimitReader(blob, maxAttachmentConfig), m.Config.Digest)
	if err != nil {
		return nil, nil, err
	}
	configBlob, err := io.ReadAll(verified)
	if err != nil {
		return nil, nil, fmt.Errorf("read attachment config: %w", err)
	}
	config := &imgspecv1.Image{}
	if err := json.Unmarshal(configBlob, config); err != nil {
		return nil, nil, fmt.Errorf("parse attachment config: %w", err)
	}
	return m, config, nil
}

// isManifestUnknown tells a registry's "no such manifest" from failures.
func isManifestUnknown(err error) bool {
	var coder errcode.ErrorCoder
	return err != nil && errors.As(err, &coder) && coder.ErrorCode() == v2.ErrorCodeManifestUnknown
}
