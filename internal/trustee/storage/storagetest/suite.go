// Package storagetest is the conformance suite every storage.Store backend
// runs: the behaviour Trustee relies on, asserted the same way for all.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

const ns = storage.NamespaceRepository

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes every store it opens.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	cases := []struct {
		name string
		test func(t *testing.T, s storage.Store)
	}{
		{"MissingKey", testMissingKey},
		{"SetGet", testSetGet},
		{"EmptyValue", testEmptyValue},
		{"NoOverwriteKeepsOld", testNoOverwriteKeepsOld},
		{"OverwriteReplaces", testOverwriteReplaces},
		{"Delete", testDelete},
		{"ListSorted", testListSorted},
		{"NamespacesIsolated", testNamespacesIsolated},
		{"SlashKeysRoundTrip", testSlashKeysRoundTrip},
		{"InvalidKeysRejected", testInvalidKeysRejected},
		{"InvalidNamespacesRejected", testInvalidNamespacesRejected},
		{"ValuesCopied", testValuesCopied},
		{"View", testView},
		{"Texts", testTexts},
		{"CancelledContext", testCancelledContext},
		{"Closed", testClosed},
		{"ConcurrentReadersWriters", testConcurrentReadersWriters},
		{"ConcurrentCreateOneWins", testConcurrentCreateOneWins},
		{"ConcurrentDistinctKeys", testConcurrentDistinctKeys},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			c.test(t, s)
		})
	}
}

func testMissingKey(t *testing.T, s storage.Store) {
	if _, err := s.Get(t.Context(), ns, "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get missing: got %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), ns, "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete missing: got %v, want ErrNotFound", err)
	}
	mustList(t, s, ns)
}

func testSetGet(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "k", []byte("value"), false)
	mustGet(t, s, ns, "k", []byte("value"))
}

func testEmptyValue(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "empty", nil, false)
	v := mustGet(t, s, ns, "empty", []byte{})
	if v == nil {
		t.Error("Get of an empty value returned nil, want an empty slice")
	}
	mustList(t, s, ns, "empty")
}

func testNoOverwriteKeepsOld(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "k", []byte("old"), false)
	if err := s.Set(t.Context(), ns, "k", []byte("new"), false); !errors.Is(err, storage.ErrExists) {
		t.Errorf("Set without overwrite on an existing key: got %v, want ErrExists", err)
	}
	mustGet(t, s, ns, "k", []byte("old"))
}

func testOverwriteReplaces(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "k", []byte("old"), true)
	mustSet(t, s, ns, "k", []byte("new, and longer than old"), true)
	mustGet(t, s, ns, "k", []byte("new, and longer than old"))
	mustSet(t, s, ns, "k", []byte("short"), true)
	mustGet(t, s, ns, "k", []byte("short"))
	mustList(t, s, ns, "k")
}

func testDelete(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "k", []byte("v"), false)
	mustSet(t, s, ns, "other", []byte("w"), false)
	if err := s.Delete(t.Context(), ns, "k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(t.Context(), ns, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after Delete: got %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), ns, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second Delete: got %v, want ErrNotFound", err)
	}
	mustList(t, s, ns, "other")
	// A deleted key can be created again without overwrite.
	mustSet(t, s, ns, "k", []byte("again"), false)
	mustGet(t, s, ns, "k", []byte("again"))
}

func testListSorted(t *testing.T, s storage.Store) {
	// Byte order of the keys differs from the order of upstream LocalFs file
	// names ('/' is spelled `\x2F` there, and '\\' sorts after 'B').
	want := []string{"a-b", "a.b", "a/b", "a0", "aB", "a_b", "b"}
	for _, i := range []int{3, 6, 0, 5, 2, 4, 1} {
		mustSet(t, s, ns, want[i], []byte(want[i]), false)
	}
	mustList(t, s, ns, want...)
}

func testNamespacesIsolated(t *testing.T, s storage.Store) {
	other := storage.NamespaceKBS
	mustSet(t, s, ns, "shared", []byte("in repository"), false)
	mustSet(t, s, other, "shared", []byte("in kbs"), false) // no ErrExists across namespaces
	mustSet(t, s, other, "only-kbs", []byte("x"), false)
	mustGet(t, s, ns, "shared", []byte("in repository"))
	mustGet(t, s, other, "shared", []byte("in kbs"))
	if _, err := s.Get(t.Context(), ns, "only-kbs"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of another namespace's key: got %v, want ErrNotFound", err)
	}
	mustList(t, s, ns, "shared")
	mustList(t, s, other, "only-kbs", "shared")
	if err := s.Delete(t.Context(), other, "shared"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustGet(t, s, ns, "shared", []byte("in repository"))
}

func testSlashKeysRoundTrip(t *testing.T, s storage.Store) {
	// "a" and "a/b" coexist: keys are flat names, not directories.
	keys := []string{"a", "a/b", "a/b/c", "default/key/one", "my-repo/tls.cert/v1.2_x"}
	for _, k := range keys {
		mustSet(t, s, ns, k, []byte("value of "+k), false)
	}
	for _, k := range keys {
		mustGet(t, s, ns, k, []byte("value of "+k))
	}
	mustList(t, s, ns, keys...)
	if err := s.Delete(t.Context(), ns, "a/b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustList(t, s, ns, "a", "a/b/c", "default/key/one", "my-repo/tls.cert/v1.2_x")
}

// InvalidKeys are keys every backend must reject with ErrInvalidKey.
var InvalidKeys = []string{
	"", "/", "/a", "a/", "a//b", ".", "..", "../a", "a/..", "a/../b", "a/./b",
	"a b", `a\x2Fb`, "a\\b", "a:b", "a\x00b", "ключ", "a\nb", "*", "a%2Fb",
	strings.Repeat("k", storage.MaxKeyLength+1),
	strings.Repeat("k/", 50) + "kkkkkk", // 106 bytes, but 256 once escaped
}

// EdgeValidKeys are keys at the edge of the syntax every backend must accept.
var EdgeValidKeys = []string{
	"..a", "a..", "a/..b", ".hidden", "-", "_", "A-Z_a-z.0-9",
	strings.Repeat("k", storage.MaxKeyLength),
	strings.Repeat("k/", 50) + "kkkkk", // exactly MaxKeyLength (255) once escaped
}

func testInvalidKeysRejected(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, k := range InvalidKeys {
		if err := s.Set(ctx, ns, k, []byte("v"), true); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Set(%q): got %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Get(ctx, ns, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q): got %v, want ErrInvalidKey", k, err)
		}
		if err := s.Delete(ctx, ns, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q): got %v, want ErrInvalidKey", k, err)
		}
	}
	mustList(t, s, ns)
	for _, k := range EdgeValidKeys {
		mustSet(t, s, ns, k, []byte(k), false)
		mustGet(t, s, ns, k, []byte(k))
	}
	mustList(t, s, ns, slices.Sorted(slices.Values(EdgeValidKeys))...)
}

func testInvalidNamespacesRejected(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, n := range []string{"", "Repository", "a-b", "a.b", "a/b", "..", "ns ", strings.Repeat("n", storage.MaxNamespaceLength+1)} {
		if err := s.Set(ctx, n, "k", []byte("v"), true); !errors.Is(err, storage.ErrInvalidNamespace) {
			t.Errorf("Set in %q: got %v, want ErrInvalidNamespace", n, err)
		}
		if _, err := s.Get(ctx, n, "k"); !errors.Is(err, storage.ErrInvalidNamespace) {
			t.Errorf("Get in %q: got %v, want ErrInvalidNamespace", n, err)
		}
		if err := s.Delete(ctx, n, "k"); !errors.Is(err, storage.ErrInvalidNamespace) {
			t.Errorf("Delete in %q: got %v, want ErrInvalidNamespace", n, err)
		}
		if _, err := s.List(ctx, n); !errors.Is(err, storage.ErrInvalidNamespace) {
			t.Errorf("List of %q: got %v, want ErrInvalidNamespace", n, err)
		}
	}
	longest := strings.Repeat("n", storage.MaxNamespaceLength)
	mustSet(t, s, longest, "k", []byte("v"), false)
	mustGet(t, s, longest, "k", []byte("v"))
}

func testValuesCopied(t *testing.T, s storage.Store) {
	in := []byte("original")
	mustSet(t, s, ns, "k", in, false)
	in[0] = 'X'
	out := mustGet(t, s, ns, "k", []byte("original"))
	out[0] = 'Y'
	mustGet(t, s, ns, "k", []byte("original"))
}

func testCancelledContext(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "present", []byte("v"), false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Set(ctx, ns, "k", []byte("v"), true); !errors.Is(err, context.Canceled) {
		t.Errorf("Set: got %v, want context.Canceled", err)
	}
	if _, err := s.Get(ctx, ns, "present"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get: got %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, ns, "present"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete: got %v, want context.Canceled", err)
	}
	if _, err := s.List(ctx, ns); !errors.Is(err, context.Canceled) {
		t.Errorf("List: got %v, want context.Canceled", err)
	}
	mustList(t, s, ns, "present")
}

func testClosed(t *testing.T, s storage.Store) {
	mustSet(t, s, ns, "k", []byte("v"), false)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	if _, err := s.Get(ctx, ns, "k"); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Get after Close: got %v, want ErrClosed", err)
	}
	if err := s.Set(ctx, ns, "k", []byte("v"), true); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Set after Close: got %v, want ErrClosed", err)
	}
	if err := s.Delete(ctx, ns, "k"); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Delete after Close: got %v, want ErrClosed", err)
	}
	if _, err := s.List(ctx, ns); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("List after Close: got %v, want ErrClosed", err)
	}
	if err := storage.View(ctx, s, ns, "k", func([]byte) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("View after Close: got %v, want ErrClosed", err)
	}
	// Run closes the store once more.
}

func mustSet(t *testing.T, s storage.Store, namespace, key string, value []byte, overwrite bool) {
	t.Helper()
	if err := s.Set(t.Context(), namespace, key, value, overwrite); err != nil {
		t.Fatalf("Set(%s, %q, overwrite=%v): %v", namespace, key, overwrite, err)
	}
}

func mustGet(t *testing.T, s storage.Store, namespace, key string, want []byte) []byte {
	t.Helper()
	got, err := s.Get(t.Context(), namespace, key)
	if err != nil {
		t.Fatalf("Get(%s, %q): %v", namespace, key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%s, %q) = %q, want %q", namespace, key, got, want)
	}
	return got
}

func mustList(t *testing.T, s storage.Store, namespace string, want ...string) {
	t.Helper()
	got, err := s.List(t.Context(), namespace)
	if err != nil {
		t.Fatalf("List(%s): %v", namespace, err)
	}
	if !slices.Equal(got, want) && len(got)+len(want) > 0 {
		t.Fatalf("List(%s) = %q, want %q", namespace, got, want)
	}
}
