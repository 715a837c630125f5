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
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byTee: make(map[kbs.Tee]Verifier)}
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
	return nil
}

// Lookup returns the verifier of tee, or an error wrapping ErrNoVerifier.
func (r *Registry) Lookup(tee kbs.Tee) (Verifier, error) {
	r.mu.RLock()
	v, ok := r.byTee[tee]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrNoVerifier, tee)
	}
	return v, nil
}
