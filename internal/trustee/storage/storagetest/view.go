package storagetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// testView checks storage.View, which lends values without a copy where
// the backend can: it must see exactly what Get sees.
func testView(t *testing.T, s storage.Store) {
	ctx := t.Context()
	view := func(key string) ([]byte, error) {
		var got []byte
		err := storage.View(ctx, s, ns, key, func(v []byte) error {
			got = bytes.Clone(v)
			return nil
		})
		return got, err
	}
	if _, err := view("absent"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("View of a missing key: got %v, want ErrNotFound", err)
	}
	mustSet(t, s, ns, "k", []byte("first"), false)
	if got, err := view("k"); err != nil || string(got) != "first" {
		t.Errorf("View = %q, %v; want \"first\"", got, err)
	}
	mustSet(t, s, ns, "k", []byte("second, longer"), true)
	if got, err := view("k"); err != nil || string(got) != "second, longer" {
		t.Errorf("View after overwrite = %q, %v; want the new value", got, err)
	}
	errStop := errors.New("stop")
	if err := storage.View(ctx, s, ns, "k", func([]byte) error { return errStop }); !errors.Is(err, errStop) {
		t.Errorf("View: got %v, want fn's error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := storage.View(cancelled, s, ns, "k", func([]byte) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a cancelled context: got %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, ns, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := view("k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("View after Delete: got %v, want ErrNotFound", err)
	}
}

// testTexts checks storage.Texts: the text of the store as it is now, also
// when another writer changes it between reads.
func testTexts(t *testing.T, s storage.Store) {
	ctx := t.Context()
	texts := storage.NewTexts()
	for _, want := range []string{"package policy\n", "package policy\n", "package policy\nallow := true\n", "package policy\n"} {
		mustSet(t, s, ns, "p", []byte(want), true)
		for range 2 {
			got, err := texts.Get(ctx, s, ns, "p")
			if err != nil || got != want {
				t.Fatalf("Texts.Get = %q, %v; want %q", got, err, want)
			}
		}
	}
	if err := s.Delete(ctx, ns, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := texts.Get(ctx, s, ns, "p"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Texts.Get after Delete: got %v, want ErrNotFound", err)
	}
}
