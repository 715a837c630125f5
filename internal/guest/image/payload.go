package image

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
)

// Signature payload types (critical.type).
const (
	payloadTypeSimpleSigning = "atomic container signature"
	payloadTypeCosign        = "cosign container image signature"
)

// signaturePayload is the JSON both simple signing and cosign sign.
type signaturePayload struct {
	Critical struct {
		Type  string `json:"type"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
	} `json:"critical"`
}

// checkPayload parses a verified payload and returns the reference it
// claims when it has the wanted type and names one of digests.
func checkPayload(b []byte, wantType string, digests []digest.Digest) (string, error) {
	var p signaturePayload
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("signature payload: %w", err)
	}
	if p.Critical.Type != wantType {
		return "", fmt.Errorf("signature payload type %q, want %q", p.Critical.Type, wantType)
	}
	signed := []byte(p.Critical.Image.DockerManifestDigest)
	for _, d := range digests {
		if subtle.ConstantTimeCompare(signed, []byte(d.String())) == 1 {
			return p.Critical.Identity.DockerReference, nil
		}
	}
	return "", fmt.Errorf("%w: the signature is for manifest %s", ErrDigestMismatch, p.Critical.Image.DockerManifestDigest)
}
