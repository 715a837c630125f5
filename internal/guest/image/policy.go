package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/containers/image/v5/docker/reference"
)

// Requirement types of policy.json.
const (
	ReqInsecureAcceptAnything = "insecureAcceptAnything"
	ReqReject                 = "reject"
	ReqSignedBy               = "signedBy"
	ReqSigstoreSigned         = "sigstoreSigned"
	keyTypeGPG                = "GPGKeys"
	transportDocker           = "docker"
)

// Policy is a containers-policy.json as image-rs reads it: "default" and
// "transports" are both required (image-rs has no default for
// transports); only the docker transport is consulted when pulling.
type Policy struct {
	Default    []Requirement                       `json:"default"`
	Transports map[string]map[string][]Requirement `json:"transports"`
}

// Requirement is one policy requirement. keyData is base64 for signedBy
// and the PEM text itself for sigstoreSigned, as image-rs reads them.
type Requirement struct {
	Type           string    `json:"type"`
	KeyType        string    `json:"keyType,omitempty"`
	KeyPath        string    `json:"keyPath,omitempty"`
	KeyData        string    `json:"keyData,omitempty"`
	SignedIdentity *Identity `json:"signedIdentity,omitempty"`
}

// ParsePolicy parses and validates a policy.json.
func ParsePolicy(b []byte) (*Policy, error) {
	if len(b) > maxResourceSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrPolicy, maxResourceSize)
	}
	var raw struct {
		Default    *[]Requirement                       `json:"default"`
		Transports *map[string]map[string][]Requirement `json:"transports"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrPolicy)
	}
	if raw.Default == nil || raw.Transports == nil {
		return nil, fmt.Errorf("%w: \"default\" and \"transports\" are both required", ErrPolicy)
	}
	p := &Policy{Default: *raw.Default, Transports: *raw.Transports}
	if err := validateRequirements("default", p.Default); err != nil {
		return nil, err
	}
	for transport, scopes := range p.Transports {
		for scope, reqs := range scopes {
			if err := validateRequirements(transport+" "+strconv.Quote(scope), reqs); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// validateRequirements refuses an empty list: a scope that requires
// nothing is a mistake, not an open door.
func validateRequirements(where string, reqs []Requirement) error {
	if len(reqs) == 0 {
		return fmt.Errorf("%w: %s: no requirements", ErrPolicy, where)
	}
	for i, r := range reqs {
		if err := r.validate(); err != nil {
			return fmt.Errorf("%w: %s #%d: %w", ErrPolicy, where, i+1, err)
		}
	}
	return nil
}

func (r Requirement) validate() error {
	switch r.Type {
	case ReqInsecureAcceptAnything, ReqReject:
		return nil
	case ReqSignedBy:
		if r.KeyType != keyTypeGPG {
			return fmt.Errorf("signedBy keyType %q, want %q", r.KeyType, keyTypeGPG)
		}
	case ReqSigstoreSigned:
		if id := r.SignedIdentity; id != nil && id.Type != IdentityMatchRepository && id.Type != IdentityExactRepository {
			return fmt.Errorf("sigstoreSigned signedIdentity %q: only %s and %s", id.Type, IdentityMatchRepository, IdentityExactRepository)
		}
	default:
		return fmt.Errorf("unknown requirement type %q", r.Type)
	}
	if (r.KeyPath == "") == (r.KeyData == "") {
		return fmt.Errorf("%s needs exactly one of keyPath and keyData", r.Type)
	}
	if r.SignedIdentity != nil {
		return r.SignedIdentity.validate()
	}
	return nil
}

// RequirementsFor returns the requirements for a docker reference: the
// full reference, then its repository and parent namespaces, then
// wildcard domains (*.example.com), then the transport's "" scope, then
// default.
func (p *Policy) RequirementsFor(named reference.Named) []Requirement {
	scopes := p.Transports[transportDocker]
	if scopes != nil {
		if reqs, ok := scopes[named.String()]; ok {
			return reqs
		}
		for _, ns := range policyNamespaces(named) {
			if reqs, ok := scopes[ns]; ok {
				return reqs
			}
		}
		if reqs, ok := scopes[""]; ok {
			return reqs
		}
	}
	return p.Default
}

// policyNamespaces: docker.io/library/busybox, docker.io/library,
// docker.io, *.io — the port is dropped before the wildcards.
func policyNamespaces(named reference.Named) []string {
	var out []string
	name := named.Name()
	for {
		out = append(out, name)
		i := strings.LastIndex(name, "/")
		if i < 0 {
			break
		}
		name = name[:i]
	}
	if i := strings.LastIndex(name, ":"); i >= 0 {
		name = name[:i]
	}
	for {
		_, rest, ok := strings.Cut(name, ".")
		if !ok {
			break
		}
		name = rest
		out = append(out, "*."+name)
	}
	return out
}
