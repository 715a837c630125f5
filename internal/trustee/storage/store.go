// Package storage is Trustee's namespaced key-value store: resources,
// policies, reference values and RCAR sessions all live here, so that
// several Trustee replicas sharing one backend behave as one.
package storage

import (
	"context"
	"errors"
)

// Namespaces used by Trustee, named as upstream names them.
const (
	NamespaceKBS            = "kbs"                        // resource policy
	NamespaceRepository     = "repository"                 // resources "<repo>/<type>/<tag>"
	NamespaceSessions       = "kbs_protocol_session"       // RCAR sessions
	NamespaceASPolicy       = "attestation_service_policy" // "<id>.rego"
	NamespaceReferenceValue = "reference_value"            // RVPS
)

var (
	// ErrNotFound is returned by Get and Delete for a missing key.
	ErrNotFound = errors.New("storage: key not found")
	// ErrExists is returned by Set without overwrite when the key exists.
	ErrExists = errors.New("storage: key already exists")
	// ErrInvalidKey is returned for a key outside the portable key syntax
	// (see ValidateKey).
	ErrInvalidKey = errors.New("storage: invalid key")
	// ErrInvalidNamespace is returned for a namespace outside [a-z0-9_]+.
	ErrInvalidNamespace = errors.New("storage: invalid namespace")
	// ErrClosed is returned by every call on a closed store.
	ErrClosed = errors.New("storage: store is closed")
)

// Store is a namespaced key-value store. Implementations are safe for
// concurrent use, and a Set that returned nil is durable.
type Store interface {
	// Get returns the value of key, or ErrNotFound.
	Get(ctx context.Context, namespace, key string) ([]byte, error)
	// Set stores value under key. Without overwrite an existing key is left
	// alone and ErrExists is returned.
	Set(ctx context.Context, namespace, key string, value []byte, overwrite bool) error
	// Delete removes key, or returns ErrNotFound.
	Delete(ctx context.Context, namespace, key string) error
	// List returns the keys of a namespace in ascending order.
	List(ctx context.Context, namespace string) ([]string, error)
	// Close releases the backend; calling it again is harmless.
	Close() error
}
