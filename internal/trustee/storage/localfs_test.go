package storage_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage/storagetest"
)

func openLocalFs(t testing.TB, dir string) *storage.LocalFs {
	t.Helper()
	s, err := storage.OpenLocalFs(dir)
	if err != nil {
		t.Fatalf("OpenLocalFs: %v", err)
	}
	return s
}

func TestLocalFs(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openLocalFs(t, t.TempDir()) })
}

func TestLocalFsDurable(t *testing.T) {
	storagetest.RunDurable(t, func(t *testing.T, dir string) storage.Store { return openLocalFs(t, dir) })
}

func BenchmarkLocalFs(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Store { return openLocalFs(b, b.TempDir()) })
}

// The files must be where upstream's local_fs backend puts and looks for
// them: <dir>/<namespace>/<key with '/' spelled \x2F>.
func TestLocalFsUpstreamLayout(t *testing.T) {
	dir := t.TempDir()
	s := openLocalFs(t, dir)
	defer s.Close()
	ctx := t.Context()

	if err := s.Set(ctx, storage.NamespaceRepository, "default/key/one", []byte("ours"), false); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(dir, "repository", `default\x2Fkey\x2Fone`))
	if err != nil || string(written) != "ours" {
		t.Fatalf("upstream path holds %q, %v; want %q", written, err, "ours")
	}

	// A file as upstream writes it is served as its key.
	policy := filepath.Join(dir, "kbs", "resource-policy.rego")
	nested := filepath.Join(dir, "repository", `my-repo\x2Fcert\x2Fv1`)
	writeFile(t, policy, "package policy")
	writeFile(t, nested, "theirs")
	got, err := s.Get(ctx, storage.NamespaceKBS, "resource-policy.rego")
	if err != nil || string(got) != "package policy" {
		t.Fatalf("Get of upstream policy file = %q, %v", got, err)
	}
	got, err = s.Get(ctx, storage.NamespaceRepository, "my-repo/cert/v1")
	if err != nil || string(got) != "theirs" {
		t.Fatalf("Get of upstream nested key = %q, %v", got, err)
	}

	// Names no valid key escapes to are not keys.
	for _, foreign := range []string{`lower\x2fcase`, `a\x2F\x2Fb`, "has space", "#cocoon-tmp.123"} {
		writeFile(t, filepath.Join(dir, "repository", foreign), "x")
	}
	if err := os.Mkdir(filepath.Join(dir, "repository", "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	keys, err := s.List(ctx, storage.NamespaceRepository)
	if want := []string{"default/key/one", "my-repo/cert/v1"}; err != nil || !slices.Equal(keys, want) {
		t.Fatalf("List = %q, %v; want %q", keys, err, want)
	}
}

// OpenLocalFs removes temp files whose writer died, and keeps those whose
// writer (here: whoever holds the flock) is still at work.
func TestLocalFsReapsOnlyAbandonedTemps(t *testing.T) {
	dir := t.TempDir()
	nsDir := filepath.Join(dir, "repository")
	if err := os.MkdirAll(nsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	abandoned := filepath.Join(nsDir, "#cocoon-tmp.1")
	live := filepath.Join(nsDir, "#cocoon-tmp.2")
	key := filepath.Join(nsDir, "k")
	writeFile(t, abandoned, "partial")
	writeFile(t, live, "in flight")
	writeFile(t, key, "value")
	lock, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	s := openLocalFs(t, dir)
	defer s.Close()
	if _, err := os.Lstat(abandoned); !os.IsNotExist(err) {
		t.Errorf("abandoned temp file: Lstat = %v, want it removed", err)
	}
	if _, err := os.Lstat(live); err != nil {
		t.Errorf("live temp file was removed: %v", err)
	}
	got, err := s.Get(t.Context(), storage.NamespaceRepository, "k")
	if err != nil || !bytes.Equal(got, []byte("value")) {
		t.Errorf("Get(k) = %q, %v; want the key's file untouched", got, err)
	}
}

// Stores opened separately on one directory (as KBS, AS and RVPS processes
// do) share no memory; create-only writes racing through them still have
// exactly one winner, because the file system decides.
func TestLocalFsCreateRaceAcrossInstances(t *testing.T) {
	dir := t.TempDir()
	stores := []*storage.LocalFs{openLocalFs(t, dir), openLocalFs(t, dir)}
	const creators = 16
	errs := make([]error, creators)
	var wg sync.WaitGroup
	for i := range creators {
		wg.Go(func() {
			errs[i] = stores[i%2].Set(t.Context(), storage.NamespaceSessions, "s", []byte{byte(i)}, false)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("creators %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, storage.ErrExists):
			t.Fatalf("creator %d: %v", i, err)
		}
	}
	got, err := stores[0].Get(t.Context(), storage.NamespaceSessions, "s")
	if winner < 0 || err != nil || !bytes.Equal(got, []byte{byte(winner)}) {
		t.Fatalf("winner %d, stored %v, %v", winner, got, err)
	}
}

func TestOpenLocalFsRejectsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	writeFile(t, file, "x")
	if s, err := storage.OpenLocalFs(file); err == nil {
		s.Close()
		t.Fatal("OpenLocalFs on a regular file succeeded")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
