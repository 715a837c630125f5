package policy

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCacheKeyedByContentAndKind(t *testing.T) {
	e := NewEngine(nil)
	ctx := context.Background()
	allowTrue := "package policy\ndefault allow := true\n"
	allowFalse := "package policy\ndefault allow := false\n"
	for _, c := range []struct {
		module string
		want   bool
	}{{allowTrue, true}, {allowFalse, false}, {allowTrue, true}} {
		got, err := e.Allow(ctx, c.module, map[string]any{}, nil)
		if err != nil || got != c.want {
			t.Fatalf("Allow = %v, %v; want %v", got, err, c.want)
		}
	}
	if n := e.cache.len(); n != 2 {
		t.Fatalf("cache holds %d queries, want 2", n)
	}
	// The same text as an appraisal policy is a separate compiled query.
	if _, err := e.Appraise(ctx, allowTrue, map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
	if n := e.cache.len(); n != 3 {
		t.Fatalf("cache holds %d queries, want 3", n)
	}
	// Broken policies are not cached.
	if err := e.Check(ctx, "package policy\nallow {", KindResource); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("Check = %v", err)
	}
	if n := e.cache.len(); n != 3 {
		t.Fatalf("cache holds %d queries after a broken policy, want 3", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	e := NewEngine(nil)
	e.cache = newPreparedCache(4)
	ctx := context.Background()
	for i := range 10 {
		module := fmt.Sprintf("package policy\ndefault allow := false\nallow if input.n == %d\n", i)
		got, err := e.Allow(ctx, module, map[string]any{"n": i}, nil)
		if err != nil || !got {
			t.Fatalf("Allow(%d) = %v, %v", i, got, err)
		}
	}
	if n := e.cache.len(); n != 4 {
		t.Fatalf("cache holds %d queries, want 4", n)
	}
	// Least recently used goes first: touching the oldest survivor keeps it.
	oldest := newCacheKey("package policy\ndefault allow := false\nallow if input.n == 6\n", KindResource)
	if _, ok := e.cache.get(oldest); !ok {
		t.Fatal("entry 6 evicted too early")
	}
	if _, err := e.Allow(ctx, "package policy\ndefault allow := true\n", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.cache.get(oldest); !ok {
		t.Fatal("recently used entry evicted")
	}
	if _, ok := e.cache.get(newCacheKey("package policy\ndefault allow := false\nallow if input.n == 7\n", KindResource)); ok {
		t.Fatal("least recently used entry kept")
	}
}
