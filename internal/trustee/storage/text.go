package storage

import (
	"context"

	"github.com/cocoon-cc/cocoon/internal/gencache"
)

// textGeneration bounds each generation of a Texts: the keys read on every
// request are a handful of policies.
const textGeneration = 64

// Texts reads text values that are read on every request and rarely
// change, such as policies. It keeps the last text read for each key, so
// an unchanged value costs a comparison with it instead of a copy and a
// conversion: the attestation policy alone was 16 KB of garbage per flow.
// The store is read every time, so a change by anyone is seen at once.
type Texts struct {
	last *gencache.Cache[textKey, string]
}

type textKey struct{ namespace, key string }

// NewTexts returns an empty Texts. It is safe for concurrent use.
func NewTexts() *Texts {
	return &Texts{last: gencache.New[textKey, string](textGeneration)}
}

// Get returns key's value in s as a string, or Get's error.
func (t *Texts) Get(ctx context.Context, s Store, namespace, key string) (string, error) {
	k := textKey{namespace, key}
	var text string
	err := View(ctx, s, namespace, key, func(value []byte) error {
		if last, ok := t.last.Get(k); ok && last == string(value) {
			text = last
			return nil
		}
		text = string(value)
		t.last.Put(k, text)
		return nil
	})
	return text, err
}
