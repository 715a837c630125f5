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
	key      cacheKey
	compiled compiled
}

// compiled is a policy ready to evaluate: the prepared query, the part of
// the input it can read and, when its results depend on nothing else, the
// results it gave.
type compiled struct {
	query rego.PreparedEvalQuery
	input *inputShape
	memo  *evalMemo // nil: evaluate every time
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

func (c *preparedCache) get(key cacheKey) (compiled, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return compiled{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).compiled, true
}

func (c *preparedCache) put(key cacheKey, policy compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, compiled: policy})
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
func (e *Engine) prepared(ctx context.Context, module string, kind Kind) (compiled, error) {
	key := newCacheKey(module, kind)
	if c, ok := e.cache.get(key); ok {
		return c, nil
	}
	c, err := e.prepare(ctx, module, kind)
	if err != nil {
		return compiled{}, err
	}
	e.cache.put(key, c)
	e.logger.Debug("policy compiled", "kind", kind.String(), "sha256", fmt.Sprintf("%x", sha256.Sum256([]byte(module))))
	return c, nil
}
