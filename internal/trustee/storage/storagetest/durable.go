package storagetest

import (
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// RunDurable checks that what a store held when it was closed is what a
// store opened afterwards on the same dir holds. open must open the store
// kept in dir; RunDurable closes every store it opens.
func RunDurable(t *testing.T, open func(t *testing.T, dir string) storage.Store) {
	dir := t.TempDir()
	reopen := func() storage.Store {
		s := open(t, dir)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}

	first := reopen()
	mustSet(t, first, ns, "plain", []byte("one"), false)
	mustSet(t, first, ns, "default/key/nested", []byte("two"), false)
	mustSet(t, first, ns, "replaced", []byte("old"), false)
	mustSet(t, first, ns, "replaced", []byte("new"), true)
	mustSet(t, first, ns, "deleted", []byte("gone"), false)
	mustSet(t, first, ns, "empty", nil, false)
	mustSet(t, first, storage.NamespaceKBS, "plain", []byte("kbs"), false)
	if err := first.Delete(t.Context(), ns, "deleted"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := reopen()
	mustGet(t, second, ns, "plain", []byte("one"))
	mustGet(t, second, ns, "default/key/nested", []byte("two"))
	mustGet(t, second, ns, "replaced", []byte("new"))
	mustGet(t, second, ns, "empty", []byte{})
	mustGet(t, second, storage.NamespaceKBS, "plain", []byte("kbs"))
	if _, err := second.Get(t.Context(), ns, "deleted"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of a key deleted before reopening: got %v, want ErrNotFound", err)
	}
	if err := second.Set(t.Context(), ns, "plain", []byte("other"), false); !errors.Is(err, storage.ErrExists) {
		t.Errorf("Set without overwrite after reopening: got %v, want ErrExists", err)
	}
	mustList(t, second, ns, "default/key/nested", "empty", "plain", "replaced")
	mustList(t, second, storage.NamespaceKBS, "plain")
	mustSet(t, second, ns, "plain", []byte("changed"), true)
	if err := second.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	third := reopen()
	mustGet(t, third, ns, "plain", []byte("changed"))
}
