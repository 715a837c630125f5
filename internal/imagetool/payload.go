package imagetool

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/containers/image/v5/types"
	"github.com/opencontainers/go-digest"
)

// Signature types of the two payload formats, which are otherwise one.
const (
	simpleSigningType = "atomic container signature"
	sigstoreType      = "cosign container image signature"
	creator           = "cocoon-image"
)

// signaturePayload is the JSON a simple-signing or sigstore signature
// signs: the manifest digest and the image's docker reference.
func signaturePayload(signatureType string, manifestDigest digest.Digest, dockerReference string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"critical": map[string]any{
			"type":     signatureType,
			"image":    map[string]string{"docker-manifest-digest": manifestDigest.String()},
			"identity": map[string]string{"docker-reference": dockerReference},
		},
		"optional": map[string]any{"creator": creator, "timestamp": time.Now().Unix()},
	})
}

// signingIdentity is the reference signatures name: the destination's.
func signingIdentity(ref types.ImageReference) (string, error) {
	named := ref.DockerReference()
	if named == nil {
		return "", errors.New("signing needs a destination with a docker reference (docker://)")
	}
	return named.String(), nil
}
