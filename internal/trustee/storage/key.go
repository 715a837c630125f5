package storage

import (
	"context"
	"fmt"
	"strings"
)

// MaxKeyLength bounds a key, counting each '/' as four bytes: that is the
// length of the file name upstream's LocalFs stores the key under ('/' is
// spelled `\x2F`), and 255 is NAME_MAX on every common file system. Using the
// tightest backend's bound everywhere keeps keys portable between backends.
const MaxKeyLength = 255

// MaxNamespaceLength bounds a namespace: upstream's Postgres backend uses it
// as a table name, and PostgreSQL identifiers stop at 63 bytes.
const MaxNamespaceLength = 63

// ValidateKey reports whether key fits the key syntax every backend accepts:
// upstream's charset [A-Za-z0-9-_./], non-empty, at most MaxKeyLength, and
// made of non-empty '/'-separated segments none of which is "." or "..", so
// that no file-backed store can be steered outside its directory.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w %q: empty", ErrInvalidKey, key)
	}
	if n := escapedKeyLength(key); n > MaxKeyLength {
		return fmt.Errorf("%w %q: %d bytes once escaped, limit %d", ErrInvalidKey, key, n, MaxKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if !isKeyByte(key[i]) {
			return fmt.Errorf("%w %q: byte %#02x at offset %d is outside [A-Za-z0-9-_./]", ErrInvalidKey, key, key[i], i)
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w %q: empty path segment", ErrInvalidKey, key)
		case ".", "..":
			return fmt.Errorf("%w %q: %q path segment", ErrInvalidKey, key, seg)
		}
	}
	return nil
}

// ValidateNamespace reports whether ns is a namespace every backend accepts:
// [a-z0-9_]+, at most MaxNamespaceLength bytes.
func ValidateNamespace(ns string) error {
	if ns == "" || len(ns) > MaxNamespaceLength {
		return fmt.Errorf("%w %q: length must be 1 to %d", ErrInvalidNamespace, ns, MaxNamespaceLength)
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return fmt.Errorf("%w %q: byte %#02x at offset %d is outside [a-z0-9_]", ErrInvalidNamespace, ns, c, i)
		}
	}
	return nil
}

// checkCall is the common preamble of Get, Set and Delete in every backend:
// a cancelled context or an invalid name fails before any work is done.
func checkCall(ctx context.Context, ns, key string) error {
	if err := checkListCall(ctx, ns); err != nil {
		return err
	}
	return ValidateKey(key)
}

// checkListCall is checkCall for List, which takes no key.
func checkListCall(ctx context.Context, ns string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return ValidateNamespace(ns)
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '/'
}
