package cdh

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// annotationVersion is the only AnnotationPacket version (v2 default).
const annotationVersion = "0.1.0"

// ErrAnnotationPacket is wrapped by every AnnotationPacket error.
var ErrAnnotationPacket = errors.New("annotation packet")

// AnnotationPacket is what an encrypted image layer's
// org.opencontainers.image.enc.keys.provider.attestation-agent annotation
// carries. v1 packets (kid, wrapped_data, iv, wrap_type) parse as v2 with
// the defaults version "0.1.0" and provider "kbs", as upstream.
type AnnotationPacket struct {
	Version          string         `json:"version"`
	Kid              string         `json:"kid"`
	WrappedData      string         `json:"wrapped_data"`
	Provider         string         `json:"provider"`
	IV               *string        `json:"iv,omitempty"`
	WrapType         *string        `json:"wrap_type,omitempty"`
	ProviderSettings map[string]any `json:"provider_settings"`
	Annotations      map[string]any `json:"annotations"`
}

// ParseAnnotationPacket parses a v1 or v2 packet. Like upstream it only
// requires kid and wrapped_data here: a kid that is not a usable resource
// URI, such as the kbs:///kbs:///default/key/1 of upstream's own v1
// fixture, parses and fails when unwrapped, before any KBS request.
func ParseAnnotationPacket(b []byte) (*AnnotationPacket, error) {
	var raw struct {
		AnnotationPacket
		Kid         *string `json:"kid"`
		WrappedData *string `json:"wrapped_data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAnnotationPacket, err)
	}
	if raw.Kid == nil || raw.WrappedData == nil {
		return nil, fmt.Errorf("%w: kid and wrapped_data are required", ErrAnnotationPacket)
	}
	p := raw.AnnotationPacket
	p.Kid, p.WrappedData = *raw.Kid, *raw.WrappedData
	if p.Version == "" {
		p.Version = annotationVersion
	}
	if p.Provider == "" {
		p.Provider = secret.ProviderKBS
	}
	return &p, nil
}

// Unwrap returns the layer's decrypted key options (the
// PrivateLayerBlockCipherOptions JSON): the KEK at kid is fetched from the
// KBS and decrypts wrapped_data.
func (p *AnnotationPacket) Unwrap(ctx context.Context, resources secret.ResourceGetter) ([]byte, error) {
	if p.Version != annotationVersion {
		return nil, fmt.Errorf("%w: version must be %s, got %q", ErrAnnotationPacket, annotationVersion, p.Version)
	}
	if p.Provider != secret.ProviderKBS {
		return nil, fmt.Errorf("%w: provider %q: Cocoon unwraps only with %q", ErrAnnotationPacket, p.Provider, secret.ProviderKBS)
	}
	if p.WrapType == nil || p.IV == nil {
		return nil, fmt.Errorf("%w: iv and wrap_type are required with provider kbs", ErrAnnotationPacket)
	}
	wrapType := secret.WrapType(*p.WrapType)
	if _, err := wrapType.IVSize(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAnnotationPacket, err)
	}
	kid, err := resourceuri.Parse(p.Kid)
	if err != nil {
		return nil, fmt.Errorf("%w: kid: %w", ErrAnnotationPacket, err)
	}
	wrapped, err := base64.StdEncoding.Strict().DecodeString(p.WrappedData)
	if err != nil {
		return nil, fmt.Errorf("%w: wrapped_data is not standard base64", ErrAnnotationPacket)
	}
	iv, err := base64.StdEncoding.Strict().DecodeString(*p.IV)
	if err != nil {
		return nil, fmt.Errorf("%w: iv is not standard base64", ErrAnnotationPacket)
	}
	kek, err := resources.GetResource(ctx, kid)
	if err != nil {
		return nil, fmt.Errorf("get KEK %s: %w", kid, err)
	}
	defer clear(kek)
	return secret.Decrypt(wrapType, kek, iv, wrapped)
}
