package policy

import (
	"container/list"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/rego"
)

// cacheKey names a compiled policy by content, since policies are replaced
// at run time under the same id. The text itself is the key: a map hashes
// and compares it several times faster than SHA-256 digests it, and every
// request looks a policy up.
type cacheKey struct {
	module string
	kind   Kind
}

func newCacheKey(module string, kind Kind) cacheKey {
	return cacheKey{module: module, kind: kind}
}

type cacheEntry struct {
	key   cacheKey
	query rego.PreparedEvalQuery
}

// preparedCache is a least-recently-used cache of prepared queries.
type preparedCache struct {
	mu      sync.Mutex
	max     int
	order   *list.List // front = most recently used; values are *cacheEntry
	entries map[cacheKey]*list.Element
}

func newPreparedCache(max int) *preparedCache {
	return &preparedCache{max: max, order: list.New(), entries: make(map[cacheKey]*list.Element)}
}

func (c *preparedCache) get(key cacheKey) (rego.PreparedEvalQuery, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return rego.PreparedEvalQuery{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).query, true
}

func (c *preparedCache) put(key cacheKey, query rego.PreparedEvalQuery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, query: query})
	for c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*cacheEntry).key)
	}
}

func (c *preparedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// prepared returns the compiled query for module and kind, compiling it on
// a miss. Two callers missing at once both compile; the result is the same.
func (e *Engine) prepared(ctx context.Context, module string, kind Kind) (rego.PreparedEvalQuery, error) {
	key := newCacheKey(module, kind)
	if pq, ok := e.cache.get(key); ok {
		return pq, nil
	}
	pq, err := e.prepare(ctx, module, kind)
	if err != nil {
		return rego.PreparedEvalQuery{}, err
	}
	e.cache.put(key, pq)
	e.logger.Debug("policy compiled", "kind", kind.String(), "sha256", fmt.Sprintf("%x", sha256.Sum256([]byte(module))))
	return pq, nil
}
