package image

import (
	"fmt"
	"strings"

	"github.com/containers/image/v5/docker/reference"
)

// signedIdentity types.
const (
	IdentityMatchExact             = "matchExact"
	IdentityMatchRepoDigestOrExact = "matchRepoDigestOrExact"
	IdentityMatchRepository        = "matchRepository"
	IdentityExactReference         = "exactReference"
	IdentityExactRepository        = "exactRepository"
	IdentityRemapIdentity          = "remapIdentity"
)

// Identity is a requirement's signedIdentity: which docker-reference a
// signature may claim for the image.
type Identity struct {
	Type             string `json:"type"`
	DockerReference  string `json:"dockerReference,omitempty"`
	DockerRepository string `json:"dockerRepository,omitempty"`
	Prefix           string `json:"prefix,omitempty"`
	SignedPrefix     string `json:"signedPrefix,omitempty"`
}

var errIdentity = fmt.Errorf("signature identity does not match the image")

func (id *Identity) validate() error {
	switch id.Type {
	case IdentityMatchExact, IdentityMatchRepoDigestOrExact, IdentityMatchRepository:
	case IdentityExactReference:
		if _, err := reference.ParseNormalizedNamed(id.DockerReference); err != nil {
			return fmt.Errorf("exactReference dockerReference %q: %w", id.DockerReference, err)
		}
	case IdentityExactRepository:
		if _, err := reference.ParseNormalizedNamed(id.DockerRepository); err != nil {
			return fmt.Errorf("exactRepository dockerRepository %q: %w", id.DockerRepository, err)
		}
	case IdentityRemapIdentity:
		if id.Prefix == "" || id.SignedPrefix == "" {
			return fmt.Errorf("remapIdentity needs prefix and signedPrefix")
		}
	default:
		return fmt.Errorf("unknown signedIdentity type %q", id.Type)
	}
	return nil
}

// matches reports whether a signature claiming signed is acceptable for
// the image origin, with image-rs's rules.
func (id *Identity) matches(origin reference.Named, signed string) error {
	signedRef, err := reference.ParseNormalizedNamed(signed)
	if err != nil {
		return fmt.Errorf("signature claims %q: %w", signed, err)
	}
	ok := false
	switch id.Type {
	case IdentityMatchExact:
		_, digested := origin.(reference.Digested)
		ok = !digested && origin.String() == signedRef.String()
	case IdentityMatchRepoDigestOrExact:
		ok = repoDigestOrExact(origin, signedRef)
	case IdentityMatchRepository:
		ok = origin.Name() == signedRef.Name()
	case IdentityExactReference:
		want, _ := reference.ParseNormalizedNamed(id.DockerReference)
		ok = want.String() == signedRef.String()
	case IdentityExactRepository:
		want, _ := reference.ParseNormalizedNamed(id.DockerRepository)
		ok = want.Name() == signedRef.Name()
	case IdentityRemapIdentity:
		remapped := origin
		if rest, cut := strings.CutPrefix(origin.String(), id.Prefix); cut {
			if remapped, err = reference.ParseNormalizedNamed(id.SignedPrefix + rest); err != nil {
				return fmt.Errorf("remapIdentity: %w", err)
			}
		}
		ok = repoDigestOrExact(remapped, signedRef)
	}
	if !ok {
		return fmt.Errorf("%w: %s (%s) against signed %s", errIdentity, origin, id.Type, signed)
	}
	return nil
}

// repoDigestOrExact: a tagged origin must equal signed exactly; a
// digested origin needs only the same repository (the digest itself is
// checked against the signature separately).
func repoDigestOrExact(origin, signed reference.Named) bool {
	if _, tagged := origin.(reference.Tagged); tagged && origin.String() != signed.String() {
		return false
	}
	if _, digested := origin.(reference.Digested); digested && origin.Name() != signed.Name() {
		return false
	}
	return true
}
