package imagetool

import (
	"errors"
	"fmt"
	"strings"

	"github.com/containers/image/v5/directory"
	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/oci/layout"
	"github.com/containers/image/v5/types"
)

// ErrReference is wrapped by every image name error.
var ErrReference = errors.New("invalid image name")

// ParseReference parses a skopeo-style image name: docker://REF,
// oci:DIR[:TAG] or dir:PATH.
func ParseReference(name string) (types.ImageReference, error) {
	transport, rest, ok := strings.Cut(name, ":")
	if !ok || rest == "" {
		return nil, fmt.Errorf("%w: %q: want docker://REF, oci:DIR[:TAG] or dir:PATH", ErrReference, name)
	}
	var (
		ref types.ImageReference
		err error
	)
	switch transport {
	case "docker":
		ref, err = docker.ParseReference(rest)
	case "oci":
		ref, err = layout.ParseReference(rest)
	case "dir":
		ref, err = directory.NewReference(rest)
	default:
		return nil, fmt.Errorf("%w: %q: transport %q is not supported; want docker, oci or dir", ErrReference, name, transport)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrReference, name, err)
	}
	return ref, nil
}
