package plugin

import "fmt"

// Set is the plugins a KBS serves, by name.
type Set struct {
	byName map[string]Plugin
}

// reservedNames are the first path segments the KBS serves itself.
var reservedNames = map[string]bool{
	"auth": true, "attest": true, "attestation-policy": true,
	"resource-policy": true, "reference-value": true,
}

// NewSet indexes plugins by name; names must be unique and must not shadow
// a KBS endpoint.
func NewSet(plugins ...Plugin) (*Set, error) {
	s := &Set{byName: make(map[string]Plugin, len(plugins))}
	for _, p := range plugins {
		name := p.Name()
		if reservedNames[name] {
			return nil, fmt.Errorf("plugin %q: name is a KBS endpoint", name)
		}
		if _, dup := s.byName[name]; dup {
			return nil, fmt.Errorf("plugin %q configured twice", name)
		}
		s.byName[name] = p
	}
	return s, nil
}

// Get returns the plugin serving name.
func (s *Set) Get(name string) (Plugin, bool) {
	p, ok := s.byName[name]
	return p, ok
}
