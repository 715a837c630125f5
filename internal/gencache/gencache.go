// Package gencache is a small bounded map for recent entries, evicted by
// generation: when the current generation is full it becomes the previous
// one and the old previous one is dropped, and a hit in the previous
// generation moves the entry back to the current one. It costs no
// bookkeeping per entry, which suits caches on a request's hot path whose
// entries matter for moments (a flow's session, a fresh token).
package gencache

import "sync"

// Cache keeps at most two generations of size entries. It is safe for
// concurrent use; the zero value is not usable, call New.
type Cache[K comparable, V any] struct {
	mu        sync.Mutex
	size      int
	cur, prev map[K]V
}

// New returns a cache whose generations hold size entries each (at least 1).
func New[K comparable, V any](size int) *Cache[K, V] {
	size = max(size, 1)
	return &Cache[K, V]{size: size, cur: make(map[K]V, size)}
}

// Get returns the value of key, if it is still held.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[key]; ok {
		return v, true
	}
	v, ok := c.prev[key]
	if ok {
		delete(c.prev, key)
		c.put(key, v)
	}
	return v, ok
}

// Put stores value under key.
func (c *Cache[K, V]) Put(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(key, value)
}

func (c *Cache[K, V]) put(key K, value V) {
	if len(c.cur) >= c.size {
		c.prev, c.cur = c.cur, make(map[K]V, c.size)
	}
	c.cur[key] = value
}

// Len is the number of entries held, both generations together.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}
