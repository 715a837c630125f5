package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Bounds of the reference-value term cache, in bytes of JSON text. A value
// larger than maxCachedTermText is converted on every lookup.
const (
	termCacheBudget   = 8 << 20
	maxCachedTermText = termCacheBudget / 16
)

// termCache maps a reference value's JSON text to its OPA term, so every
// evaluation that reads an unchanged value skips parsing it. The text
// itself is the key: whatever the lookup answers now is what the policy
// sees, so nothing stale is ever served. Cached terms are shared by
// concurrent evaluations, which never modify a term they read (OPA's
// in-memory store hands out its values the same way).
type termCache struct {
	mu    sync.RWMutex
	terms map[string]*ast.Term
	size  int // bytes of text held as keys
}

// term returns raw as an OPA term; empty text is null.
func (c *termCache) term(raw json.RawMessage) (*ast.Term, error) {
	c.mu.RLock()
	t, ok := c.terms[string(raw)]
	c.mu.RUnlock()
	if ok {
		return t, nil
	}
	t, err := parseTerm(raw)
	if err != nil || len(raw) > maxCachedTermText {
		return t, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+len(raw) > termCacheBudget {
		clear(c.terms)
		c.size = 0
	}
	if c.terms == nil {
		c.terms = make(map[string]*ast.Term)
	}
	if _, dup := c.terms[string(raw)]; !dup {
		c.terms[string(raw)] = t
		c.size += len(raw)
	}
	return t, nil
}

func parseTerm(raw json.RawMessage) (*ast.Term, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ast.NullTerm(), nil
	}
	// ValueFromReader would stop after the first value of "1 2".
	if !json.Valid(raw) {
		return nil, errors.New("stored value is not valid JSON")
	}
	value, err := ast.ValueFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(value), nil
}
