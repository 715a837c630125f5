package image

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/manifest"
	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
)

// cosignSignatureAnnotation holds a cosign signature of the layer's payload.
const cosignSignatureAnnotation = "dev.cosignproject.cosign/signature"

// cosignSignature is one attached signature: the payload and its signature.
type cosignSignature struct {
	payload   []byte
	signature []byte
}

// parseCosignKey reads a PEM public key (ECDSA, RSA or Ed25519).
func parseCosignKey(b []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("cosign public key: no PEM block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cosign public key: %w", err)
	}
	switch key.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("cosign public key: unsupported type %T", key)
}

// verifyCosign checks sig over payload with key, as cosign signs:
// SHA-256 for ECDSA and RSA (PKCS#1 v1.5), plain Ed25519.
func verifyCosign(key crypto.PublicKey, s cosignSignature) error {
	sum := sha256.Sum256(s.payload)
	ok := false
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, sum[:], s.signature)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], s.signature) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, s.payload, s.signature)
	}
	if !ok {
		return errors.New("cosign signature does not verify with the policy's key")
	}
	return nil
}

// cosignSignatures fetches the signatures attached to digest d of repo
// (the <repo>:sha256-<hex>.sig artifact). No artifact means none.
func cosignSignatures(ctx context.Context, sys *types.SystemContext, repo reference.Named, d digest.Digest) ([]cosignSignature, error) {
	tagged, err := reference.WithTag(reference.TrimNamed(repo), d.Algorithm().String()+"-"+d.Encoded()+".sig")
	if err != nil {
		return nil, err
	}
	// The docker transport reads the manifest when opening a source.
	src, err := openSource(ctx, sys, tagged)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cosign signatures of %s: %w", repo.Name(), err)
	}
	defer func() { _ = src.Close() }() // read-only registry source
	raw, mime, err := src.GetManifest(ctx, nil)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("cosign signatures: %w", err)
	}
	m, err := manifest.FromBlob(raw, manifest.NormalizedMIMEType(mime))
	if err != nil {
		return nil, fmt.Errorf("cosign signatures: %w", err)
	}
	var sigs []cosignSignature
	for _, layer := range m.LayerInfos() {
		b64, ok := layer.Annotations[cosignSignatureAnnotation]
		if !ok {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, errors.New("cosign signature annotation is not base64")
		}
		payload, err := fetchSmallBlob(ctx, src, layer.BlobInfo, maxSignatureSize)
		if err != nil {
			return nil, fmt.Errorf("cosign payload: %w", err)
		}
		sigs = append(sigs, cosignSignature{payload: payload, signature: sig})
	}
	return sigs, nil
}
