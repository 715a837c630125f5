package image

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/types"
)

// pullContext is what one pull reads from the configuration and which
// candidate it is pulling from.
type pullContext struct {
	policy     *Policy // nil accepts every image
	sigstore   *SigstoreConfig
	creds      *Credentials
	registries *RegistryConfig

	origin reference.Named // the reference asked for: policy scope and identity
	source Candidate       // where it is pulled from: cosign attachments
	sys    *types.SystemContext
}

// checkPolicy evaluates every requirement of the policy scope that
// matches the requested reference; all must pass.
func (p *Puller) checkPolicy(ctx context.Context, pc *pullContext, img *remoteImage) error {
	if pc.policy == nil {
		p.log.WarnContext(ctx, "no image security policy configured: image accepted unverified", "image", pc.origin.String())
		return nil
	}
	for _, req := range pc.policy.RequirementsFor(pc.origin) {
		if err := p.checkRequirement(ctx, pc, req, img); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrRejected, req.Type, err)
		}
	}
	return nil
}

func (p *Puller) checkRequirement(ctx context.Context, pc *pullContext, req Requirement, img *remoteImage) error {
	switch req.Type {
	case ReqInsecureAcceptAnything:
		return nil
	case ReqReject:
		return errors.New(`the policy is "reject"`)
	case ReqSignedBy:
		return p.checkSignedBy(ctx, pc, req, img)
	case ReqSigstoreSigned:
		return p.checkSigstoreSigned(ctx, pc, req, img)
	}
	return fmt.Errorf("unknown requirement type %q", req.Type)
}

// checkSignedBy accepts when one lookaside signature verifies with the
// keyring, names one of the image's manifest digests and claims an
// acceptable identity (default matchRepoDigestOrExact).
func (p *Puller) checkSignedBy(ctx context.Context, pc *pullContext, req Requirement, img *remoteImage) error {
	key, err := p.requirementKey(ctx, req)
	if err != nil {
		return err
	}
	ring, err := parseGPGKeyring(key)
	if err != nil {
		return err
	}
	id := identityOr(req.SignedIdentity, IdentityMatchRepoDigestOrExact)
	store := pc.sigstore.store(pc.origin)
	var reasons []error
	for _, d := range img.digests() {
		sigs, err := lookasideSignatures(store, pc.origin, d)
		if err != nil {
			return err
		}
		for _, sig := range sigs {
			err := acceptSignature(func() ([]byte, error) { return verifySimpleSigning(ring, sig) }, payloadTypeSimpleSigning, id, pc.origin, img)
			if err == nil {
				return nil
			}
			reasons = append(reasons, err)
		}
	}
	if len(reasons) == 0 {
		return fmt.Errorf("no simple signing signature found (signature store %q)", store)
	}
	return errors.Join(reasons...)
}

// checkSigstoreSigned accepts when one cosign signature attached in the
// registry verifies with the key, names one of the image's manifest
// digests and claims an acceptable identity (default matchRepository).
func (p *Puller) checkSigstoreSigned(ctx context.Context, pc *pullContext, req Requirement, img *remoteImage) error {
	key, err := p.requirementKey(ctx, req)
	if err != nil {
		return err
	}
	pub, err := parseCosignKey(key)
	if err != nil {
		return err
	}
	id := identityOr(req.SignedIdentity, IdentityMatchRepository)
	var reasons []error
	for _, d := range img.digests() {
		sigs, err := cosignSignatures(ctx, pc.sys, pc.source.Ref, d)
		if err != nil {
			return err
		}
		for _, s := range sigs {
			err := acceptSignature(func() ([]byte, error) { return s.payload, verifyCosign(pub, s) }, payloadTypeCosign, id, pc.origin, img)
			if err == nil {
				return nil
			}
			reasons = append(reasons, err)
		}
	}
	if len(reasons) == 0 {
		return fmt.Errorf("no cosign signature attached to %s", pc.source.Ref.Name())
	}
	return errors.Join(reasons...)
}

// acceptSignature verifies one signature, then its payload and identity.
func acceptSignature(verify func() ([]byte, error), payloadType string, id *Identity, origin reference.Named, img *remoteImage) error {
	payload, err := verify()
	if err != nil {
		return err
	}
	signed, err := checkPayload(payload, payloadType, img.digests())
	if err != nil {
		return err
	}
	return id.matches(origin, signed)
}

// requirementKey reads keyPath (kbs:///, file:// or a path) or keyData
// (base64 for signedBy, PEM text for sigstoreSigned, as image-rs).
func (p *Puller) requirementKey(ctx context.Context, req Requirement) ([]byte, error) {
	if req.KeyPath != "" {
		b, err := p.load(ctx, req.KeyPath)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", req.KeyPath, err)
		}
		return b, nil
	}
	if req.Type == ReqSigstoreSigned {
		return []byte(req.KeyData), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.KeyData)
	if err != nil {
		return nil, errors.New("keyData is not base64")
	}
	return b, nil
}

func identityOr(id *Identity, defaultType string) *Identity {
	if id != nil {
		return id
	}
	return &Identity{Type: defaultType}
}
