package config

import (
	"errors"
	"fmt"
)

// Sentinel errors a caller (or a test) can branch on with errors.Is. Every
// problem Parse or Validate reports is a *KeyError wrapping one of them.
var (
	// ErrUnknownKey: the file sets a key Cocoon does not know.
	ErrUnknownKey = errors.New("unknown key")
	// ErrUnsupported: upstream Trustee knows the value, Cocoon does not implement it yet.
	ErrUnsupported = errors.New("not supported yet by Cocoon")
	// ErrInvalid: the value is wrong whatever the implementation.
	ErrInvalid = errors.New("invalid value")
)

// KeyError names the full dotted TOML key a problem is about, e.g.
// "storage_backend.storage_type" or "plugins[1].name".
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Err.Error() }

func (e *KeyError) Unwrap() error { return e.Err }

// problems collects KeyErrors; its zero value is ready to use.
type problems []error

func (p *problems) add(key string, sentinel error, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	*p = append(*p, &KeyError{Key: key, Err: fmt.Errorf("%w: %s", sentinel, msg)})
}

func (p *problems) invalid(key, format string, args ...any) {
	p.add(key, ErrInvalid, format, args...)
}

func (p *problems) unsupported(key, format string, args ...any) {
	p.add(key, ErrUnsupported, format, args...)
}

func (p problems) err() error { return errors.Join(p...) }
