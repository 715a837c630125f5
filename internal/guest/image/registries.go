package image

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/containers/image/v5/docker/reference"
)

// RegistryConfig is the registries.conf subset image-rs reads (TOML):
// unqualified-search-registries and [[registry]] with prefix, location,
// insecure, blocked and [[registry.mirror]]. Other registries.conf keys
// (aliases, short-name-mode, credential helpers...) are ignored, as
// upstream ignores them.
type RegistryConfig struct {
	UnqualifiedSearchRegistries []string   `toml:"unqualified-search-registries"`
	Registry                    []Registry `toml:"registry"`
}

// Registry is one [[registry]]. Prefix defaults to Location, Location to
// Prefix.
type Registry struct {
	Prefix   string   `toml:"prefix"`
	Location string   `toml:"location"`
	Insecure bool     `toml:"insecure"`
	Blocked  bool     `toml:"blocked"`
	Mirror   []Mirror `toml:"mirror"`
}

// Mirror is one [[registry.mirror]], tried before the registry itself.
type Mirror struct {
	Location string `toml:"location"`
	Insecure bool   `toml:"insecure"`
}

// Candidate is one place to pull a reference from.
type Candidate struct {
	Ref      reference.Named // tagged or digested
	Insecure bool            // plain HTTP or unverified TLS allowed
}

// ParseRegistryConfig parses and validates a registry configuration.
func ParseRegistryConfig(b []byte) (*RegistryConfig, error) {
	if len(b) > maxResourceSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrRegistryConfig, maxResourceSize)
	}
	var c RegistryConfig
	if _, err := toml.Decode(string(b), &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRegistryConfig, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every entry has a usable prefix and unique prefixes.
func (c *RegistryConfig) Validate() error {
	seen := map[string]bool{}
	for i, r := range c.Registry {
		prefix := r.prefix()
		if prefix == "" {
			return fmt.Errorf("%w: registry #%d has neither prefix nor location", ErrRegistryConfig, i+1)
		}
		if strings.HasPrefix(prefix, "*") && (!strings.HasPrefix(prefix, "*.") || len(prefix) < 3 || strings.Contains(prefix, "/")) {
			return fmt.Errorf("%w: registry #%d: wildcard prefix %q must be *.domain", ErrRegistryConfig, i+1, prefix)
		}
		if seen[prefix] {
			return fmt.Errorf("%w: prefix %q appears twice", ErrRegistryConfig, prefix)
		}
		seen[prefix] = true
		for j, m := range r.Mirror {
			if m.Location == "" {
				return fmt.Errorf("%w: registry %q mirror #%d has no location", ErrRegistryConfig, prefix, j+1)
			}
		}
	}
	for _, s := range c.UnqualifiedSearchRegistries {
		if s == "" || strings.ContainsAny(s, "/@") {
			return fmt.Errorf("%w: unqualified-search registry %q must be a host[:port]", ErrRegistryConfig, s)
		}
	}
	return nil
}

func (r Registry) prefix() string {
	if r.Prefix != "" {
		return r.Prefix
	}
	return r.Location
}

// Candidates expands an image reference into the places to try, in
// order: for a short name, each unqualified-search registry; for each
// qualified name, the mirrors of the longest matching [[registry]], then
// its location (or the name itself). A blocked match is ErrBlocked. A nil
// configuration passes qualified names through and searches docker.io.
func (c *RegistryConfig) Candidates(image string) ([]Candidate, error) {
	names, err := c.qualify(image)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, named := range names {
		cands, err := c.expand(named)
		if err != nil {
			return nil, err
		}
		out = append(out, cands...)
	}
	return out, nil
}

// qualify turns a short name into one name per search registry, and adds
// the latest tag where neither tag nor digest is given.
func (c *RegistryConfig) qualify(image string) ([]reference.Named, error) {
	if image == "" {
		return nil, fmt.Errorf("empty image reference")
	}
	full := []string{image}
	if isShortName(image) {
		search := []string{defaultUnqualifiedRegistry}
		if c != nil && c.UnqualifiedSearchRegistries != nil {
			search = c.UnqualifiedSearchRegistries
		}
		if len(search) == 0 {
			return nil, fmt.Errorf("%q is a short name and no unqualified-search registry is configured", image)
		}
		full = full[:0]
		for _, r := range search {
			full = append(full, r+"/"+image)
		}
	}
	names := make([]reference.Named, 0, len(full))
	for _, s := range full {
		named, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			return nil, fmt.Errorf("image reference %q: %w", s, err)
		}
		names = append(names, reference.TagNameOnly(named))
	}
	return names, nil
}

// isShortName: no registry host before the first slash, as containers'
// rule has it (a host has a dot or a port, or is localhost).
func isShortName(image string) bool {
	first, _, found := strings.Cut(image, "/")
	if !found {
		return true
	}
	return !strings.ContainsAny(first, ".:") && first != "localhost"
}

func (c *RegistryConfig) expand(named reference.Named) ([]Candidate, error) {
	reg, matched := c.match(named)
	if reg == nil {
		return []Candidate{{Ref: named}}, nil
	}
	if reg.Blocked {
		return nil, fmt.Errorf("%w: %s (prefix %q)", ErrBlocked, named, reg.prefix())
	}
	rest := named.String()[matched:]
	var out []Candidate
	for _, m := range reg.Mirror {
		ref, err := rewrite(m.Location, rest)
		if err != nil {
			return nil, err
		}
		out = append(out, Candidate{Ref: ref, Insecure: m.Insecure})
	}
	primary := named
	if reg.Location != "" {
		ref, err := rewrite(reg.Location, rest)
		if err != nil {
			return nil, err
		}
		primary = ref
	}
	return append(out, Candidate{Ref: primary, Insecure: reg.Insecure}), nil
}

// match returns the [[registry]] with the longest prefix matching named
// and how many bytes of named.String() that prefix replaces.
func (c *RegistryConfig) match(named reference.Named) (*Registry, int) {
	if c == nil {
		return nil, 0
	}
	full, name, domain := named.String(), named.Name(), reference.Domain(named)
	var best *Registry
	bestLen, replaced := -1, 0
	for i := range c.Registry {
		r := &c.Registry[i]
		prefix := r.prefix()
		n := -1
		switch {
		case strings.HasPrefix(prefix, "*."):
			host, _, _ := strings.Cut(domain, ":")
			if strings.HasSuffix(host, prefix[1:]) {
				n = len(domain)
			}
		case name == prefix || strings.HasPrefix(name, prefix+"/") || full == prefix:
			n = len(prefix)
		}
		if n >= 0 && len(prefix) > bestLen {
			best, bestLen, replaced = r, len(prefix), n
		}
	}
	return best, replaced
}

func rewrite(location, rest string) (reference.Named, error) {
	ref, err := reference.ParseNormalizedNamed(location + rest)
	if err != nil {
		return nil, fmt.Errorf("%w: location %q: %w", ErrRegistryConfig, location, err)
	}
	return ref, nil
}
