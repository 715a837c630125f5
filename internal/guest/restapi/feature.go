package restapi

import (
	"errors"
	"fmt"
)

// Feature is --features: which services the API exposes.
type Feature string

// Upstream's features; resource is its default.
const (
	FeatureResource    Feature = "resource"
	FeatureAttestation Feature = "attestation"
	FeatureAll         Feature = "all"
)

// ErrFeature is returned for an unknown --features value.
var ErrFeature = errors.New("unknown features. Supported features are: resource, attestation, all")

// ParseFeature accepts exactly upstream's names.
func ParseFeature(s string) (Feature, error) {
	switch f := Feature(s); f {
	case FeatureResource, FeatureAttestation, FeatureAll:
		return f, nil
	}
	return "", fmt.Errorf("%w (got %q)", ErrFeature, s)
}

// Resource reports whether the /cdh routes are on.
func (f Feature) Resource() bool { return f == FeatureResource || f == FeatureAll }

// Attestation reports whether the /aa routes (and /info's TEE) are on.
func (f Feature) Attestation() bool { return f == FeatureAttestation || f == FeatureAll }
