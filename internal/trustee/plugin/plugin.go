// Package plugin holds the KBS plugins: the handlers behind
// /kbs/v0/<plugin>/... The KBS authorises each call (admin, or token plus
// resource policy) before a plugin sees it, and encrypts the answer to the
// TEE key when the plugin asks for it.
package plugin

import (
	"context"
	"errors"
)

// Request is one call to a plugin, as the KBS parsed it from HTTP.
type Request struct {
	Method string
	// Path holds the path segments after the plugin name.
	Path []string
	// Query holds the URL query, one value per key as upstream keeps it.
	Query map[string]string
	Body  []byte
	// InitData is the init_data_claims of the attestation token, nil when the
	// call was admin-authorised or the guest presented no init-data.
	InitData any
}

// Plugin is one KBS plugin.
type Plugin interface {
	// Name is the first path segment the plugin serves.
	Name() string
	// Handle serves an authorised call and returns the response body.
	Handle(ctx context.Context, req *Request) ([]byte, error)
	// RequiresAdmin reports whether method needs admin authorisation rather
	// than an attestation token and the resource policy.
	RequiresAdmin(method string) bool
	// Encrypted reports whether the response to method is sent as a JWE to
	// the TEE key.
	Encrypted(method string) bool
}

var (
	// ErrMethodNotAllowed is returned for a method the plugin does not serve.
	ErrMethodNotAllowed = errors.New("plugin: method not supported")
	// ErrInvalidPath is returned for a path the plugin cannot parse.
	ErrInvalidPath = errors.New("plugin: invalid path")
	// ErrNotFound is returned when the requested item does not exist.
	ErrNotFound = errors.New("plugin: not found")
)
