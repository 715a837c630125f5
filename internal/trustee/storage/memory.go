package storage

import (
	"bytes"
	"context"
	"fmt"
	"sync"
)

// Memory is an in-process Store, upstream's default backend. Nothing
// survives Close; values are copied in and out so callers never share
// memory with the store. Each namespace is an arena (see arena.go), which
// keeps hundreds of thousands of sessions cheap for the garbage collector.
type Memory struct {
	mu     sync.RWMutex
	spaces map[string]*arena
	closed bool
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{spaces: make(map[string]*arena)}
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, namespace, key string) ([]byte, error) {
	if err := checkCall(ctx, namespace, key); err != nil {
		return nil, err
	}
	v, err := m.value(namespace, key)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}

// View implements Viewer. Stored values are never changed in place (Set
// writes a new record), so fn reads one without the lock.
func (m *Memory) View(ctx context.Context, namespace, key string, fn func([]byte) error) error {
	if err := checkCall(ctx, namespace, key); err != nil {
		return err
	}
	v, err := m.value(namespace, key)
	if err != nil {
		return err
	}
	return fn(v)
}

// value is key's stored slice, shared with the map.
func (m *Memory) value(namespace, key string) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	var v []byte
	ok := false
	if space := m.spaces[namespace]; space != nil {
		v, ok = space.get(key)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s/%s", ErrNotFound, namespace, key)
	}
	return v, nil
}

// Set implements Store.
func (m *Memory) Set(ctx context.Context, namespace, key string, value []byte, overwrite bool) error {
	if err := checkCall(ctx, namespace, key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	space := m.spaces[namespace]
	if space == nil {
		space = newArena(defaultChunkSize)
		m.spaces[namespace] = space
	}
	if !overwrite && space.has(key) {
		return fmt.Errorf("%w: %s/%s", ErrExists, namespace, key)
	}
	space.set(key, value)
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, namespace, key string) error {
	if err := checkCall(ctx, namespace, key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if space := m.spaces[namespace]; space == nil || !space.remove(key) {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, namespace, key)
	}
	return nil
}

// List implements Store.
func (m *Memory) List(ctx context.Context, namespace string) ([]string, error) {
	if err := checkListCall(ctx, namespace); err != nil {
		return nil, err
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return nil, ErrClosed
	}
	keys := []string{}
	if space := m.spaces[namespace]; space != nil {
		keys = space.keys()
	}
	m.mu.RUnlock()
	return sortedKeys(keys), nil
}

// Close drops every value; later calls return ErrClosed.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.spaces = nil
	return nil
}
