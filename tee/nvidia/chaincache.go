package nvidia

import (
	"sync"
	"time"
)

// chainCacheSize bounds the verified chains kept: one per device firmware
// a deployment sees, so a few thousand is plenty.
const chainCacheSize = 1024

// chainCache remembers verified chains by the digest of their PEM and the
// FWID they were checked against. When full it starts over, which costs a
// re-verification, never a wrong answer.
type chainCache struct {
	mu      sync.Mutex
	max     int
	entries map[[32]byte]*verifiedChain
}

func newChainCache(max int) *chainCache {
	return &chainCache{max: max, entries: make(map[[32]byte]*verifiedChain)}
}

// get returns the chain under key if it is valid at now.
func (c *chainCache) get(key [32]byte, now time.Time) *verifiedChain {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil || now.Before(e.notBefore) || now.After(e.notAfter) {
		return nil
	}
	return e
}

func (c *chainCache) put(key [32]byte, v *verifiedChain) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = v
}
