package storage

import (
	"context"
)

// Viewer is a Store that can lend a value without copying it. Values read
// on every request (policies, sessions) are compared with what the caller
// already holds far more often than they change, and a copy per read was a
// large share of what a KBS flow allocates.
type Viewer interface {
	// View calls fn with the value of key, or returns ErrNotFound. fn must
	// not modify the bytes nor keep them after it returns; its error is
	// View's.
	View(ctx context.Context, namespace, key string, fn func(value []byte) error) error
}

// View lends key's value to fn: without a copy when s is a Viewer, else
// from Get.
func View(ctx context.Context, s Store, namespace, key string, fn func(value []byte) error) error {
	if v, ok := s.(Viewer); ok {
		return v.View(ctx, namespace, key, fn)
	}
	b, err := s.Get(ctx, namespace, key)
	if err != nil {
		return err
	}
	return fn(b)
}
