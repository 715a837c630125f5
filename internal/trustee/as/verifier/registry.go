package verifier

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

var (
	// ErrNoVerifier is returned by Lookup for a TEE nobody registered.
	ErrNoVerifier = errors.New("no verifier for TEE")
	// ErrDuplicate is returned by Register for a TEE already registered.
	ErrDuplicate = errors.New("verifier already registered for TEE")
)

// Registry maps TEE names to their verifiers. It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	byTee map[kbs.Tee]Verifier
	// withheld says why a TEE Cocoon can verify has no verifier here.
	withheld map[kbs.Tee]string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byTee: make(map[kbs.Tee]Verifier), withheld: make(map[kbs.Tee]string)}
}

// Register makes v the verifier of tee. A TEE has at most one verifier, so
// that a configuration mistake cannot silently replace one.
func (r *Registry) Register(tee kbs.Tee, v Verifier) error {
	if v == nil {
		return fmt.Errorf("register verifier for TEE %q: nil verifier", tee)
	}
	if !tee.Valid() {
		return fmt.Errorf("register verifier for TEE %q: unknown TEE name", tee)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byTee[tee]; ok {
		return fmt.Errorf("%w %q", ErrDuplicate, tee)
	}
	r.byTee[tee] = v
	delete(r.withheld, tee)
	return nil
}

// Withhold records why tee has no verifier (typically: what to configure),
// so that Lookup's error tells the operator how to enable it.
func (r *Registry) Withhold(tee kbs.Tee, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byTee[tee]; ok {
		return fmt.Errorf("withhold verifier for TEE %q: already registered", tee)
	}
	r.withheld[tee] = reason
	return nil
}

// Lookup returns the verifier of tee, or an error wrapping ErrNoVerifier
// that gives the reason Withhold recorded, if any.
func (r *Registry) Lookup(tee kbs.Tee) (Verifier, error) {
	r.mu.RLock()
	v, ok := r.byTee[tee]
	reason, withheld := r.withheld[tee]
	r.mu.RUnlock()
	switch {
	case withheld:
		return nil, fmt.Errorf("%w %q: %s", ErrNoVerifier, tee, reason)
	case !ok:
		return nil, fmt.Errorf("%w %q", ErrNoVerifier, tee)
	}
	return v, nil
}
