package image

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/containers/image/v5/types"
	"github.com/containers/ocicrypt/blockcipher"
	"github.com/opencontainers/go-digest"
)

const (
	encryptedSuffix      = "+encrypted"
	pubOptsAnnotation    = "org.opencontainers.image.enc.pubopts"
	encKeysAnnotationPfx = "org.opencontainers.image.enc.keys."
	attestationAgentKeys = encKeysAnnotationPfx + "provider.attestation-agent"
)

func isEncrypted(info types.BlobInfo) bool {
	return strings.HasSuffix(info.MediaType, encryptedSuffix)
}

// decrypt returns the plaintext of an encrypted layer read from r, and
// the digest the plaintext must have (from the unwrapped options; "" if
// the encrypter recorded none). The layer key is unwrapped from the
// attestation-agent key provider's AnnotationPackets; the HMAC of
// ocicrypt's AES-CTR-HMAC is checked when r is exhausted.
func (p *Puller) decrypt(ctx context.Context, r io.Reader, info types.BlobInfo) (io.Reader, digest.Digest, error) {
	packets, ok := info.Annotations[attestationAgentKeys]
	if !ok {
		return nil, "", fmt.Errorf("%w: layer %s has no %s annotation (it has: %s)", ErrDecrypt, info.Digest, attestationAgentKeys, keyAnnotations(info))
	}
	if p.opts.Keys == nil {
		return nil, "", fmt.Errorf("%w: layer %s is encrypted and no key unwrapper is configured", ErrDecrypt, info.Digest)
	}
	optsData, err := p.unwrap(ctx, packets)
	if err != nil {
		return nil, "", fmt.Errorf("%w: layer %s: %w", ErrDecrypt, info.Digest, err)
	}
	var opts blockcipher.LayerBlockCipherOptions
	err = json.Unmarshal(optsData, &opts.Private)
	clear(optsData)
	if err != nil {
		return nil, "", fmt.Errorf("%w: layer %s: unwrapped key options: %w", ErrDecrypt, info.Digest, err)
	}
	if pub := info.Annotations[pubOptsAnnotation]; pub != "" {
		b, err := base64.StdEncoding.DecodeString(pub)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %s is not base64", ErrDecrypt, pubOptsAnnotation)
		}
		if err := json.Unmarshal(b, &opts.Public); err != nil {
			return nil, "", fmt.Errorf("%w: %s: %w", ErrDecrypt, pubOptsAnnotation, err)
		}
	}
	handler, err := blockcipher.NewLayerBlockCipherHandler()
	if err != nil {
		return nil, "", err
	}
	plain, _, err := handler.Decrypt(r, opts)
	if err != nil {
		return nil, "", fmt.Errorf("%w: layer %s: %w", ErrDecrypt, info.Digest, err)
	}
	return plain, opts.Private.Digest, nil
}

// unwrap tries each comma-separated AnnotationPacket, as ocicrypt does
// when a layer is encrypted for several keys.
func (p *Puller) unwrap(ctx context.Context, packets string) ([]byte, error) {
	var errs []error
	for _, b64 := range strings.Split(packets, ",") {
		packet, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			errs = append(errs, errors.New("AnnotationPacket is not base64"))
			continue
		}
		optsData, err := p.opts.Keys.UnwrapKey(ctx, packet)
		if err == nil {
			return optsData, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// keyAnnotations lists the key-provider annotations a layer has, for an
// error that says which provider it was encrypted for.
func keyAnnotations(info types.BlobInfo) string {
	var names []string
	for k := range info.Annotations {
		if strings.HasPrefix(k, encKeysAnnotationPfx) {
			names = append(names, strings.TrimPrefix(k, encKeysAnnotationPfx))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
