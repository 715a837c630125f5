package imagetool

import (
	"context"
	"errors"
	"fmt"

	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
)

// ErrSigning is wrapped by signing errors.
var ErrSigning = errors.New("signing")

// checkSigning refuses, before anything is copied, signatures the
// destination cannot hold.
func (c *copier) checkSigning(destRef types.ImageReference) error {
	if c.opts.SigstoreKey == nil && c.opts.GPGSigner == nil {
		return nil
	}
	if _, err := signingIdentity(destRef); err != nil {
		return fmt.Errorf("%w: %w", ErrSigning, err)
	}
	if c.opts.SigstoreKey != nil && destRef.Transport().Name() != "docker" {
		return fmt.Errorf("%w: sigstore signatures are registry attachments: the destination must be docker://", ErrSigning)
	}
	return nil
}

// sign writes a GPG simple signature of the manifest into the
// destination's signature storage (for docker://, the registries.d
// lookaside); it must come between PutManifest and Commit.
func (c *copier) sign(ctx context.Context, destRef types.ImageReference, manifestDigest digest.Digest) error {
	if c.opts.GPGSigner == nil {
		return nil
	}
	if err := c.dest.SupportsSignatures(ctx); err != nil {
		return fmt.Errorf("%w: the destination cannot store signatures: %w", ErrSigning, err)
	}
	identity, err := signingIdentity(destRef)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSigning, err)
	}
	payload, err := signaturePayload(simpleSigningType, manifestDigest, identity)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSigning, err)
	}
	c.progress.linef("Signing manifest using simple signing (GPG key %s)", c.opts.GPGSigner.Fingerprint)
	sig, err := c.opts.GPGSigner.Sign(ctx, payload)
	if err != nil {
		return err
	}
	c.progress.linef("Storing signatures")
	if err := c.dest.PutSignatures(ctx, [][]byte{sig}, nil); err != nil {
		return fmt.Errorf("%w: store the signature: %w", ErrSigning, err)
	}
	return nil
}

// attachSigstore signs the manifest with the sigstore key and attaches
// the signature in the registry.
func (c *copier) attachSigstore(ctx context.Context, destRef types.ImageReference, manifestDigest digest.Digest) error {
	if c.opts.SigstoreKey == nil {
		return nil
	}
	identity, err := signingIdentity(destRef)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSigning, err)
	}
	payload, err := signaturePayload(sigstoreType, manifestDigest, identity)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSigning, err)
	}
	c.progress.linef("Signing manifest using a sigstore signature")
	sig, err := c.opts.SigstoreKey.Sign(payload)
	if err != nil {
		return err
	}
	if err := putSigstoreAttachment(ctx, c.destSys, destRef.DockerReference(), manifestDigest, payload, sig); err != nil {
		return fmt.Errorf("%w: %w", ErrSigning, err)
	}
	c.progress.linef("Stored sigstore signature as %s", attachmentTag(manifestDigest))
	return nil
}
