package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage/storagetest"
)

// The value cache of LocalFs.Get (Linux only). Its tests move the cache's
// clock instead of waiting for files to settle. A clock that calls a fresh
// file settled breaks the rule the cache relies on (no later write can
// reuse that file's ctime), so tests that then write again first wait for
// the file clock to tick past the cached file's ctime, as it would have in
// the second a real settled file is old.

const cacheNS = storage.NamespaceKBS

// settledClock runs an hour ahead, so that every file looks settled.
func settledClock() time.Time { return time.Now().Add(time.Hour) }

func openCachingLocalFs(t testing.TB, dir string) *storage.LocalFs {
	t.Helper()
	s := openLocalFs(t, dir)
	t.Cleanup(func() { s.Close() })
	storage.SetLocalFsClock(t, s, settledClock)
	return s
}

// getCounted returns key's value and how many files the Get read.
func getCounted(t *testing.T, s *storage.LocalFs, key string) ([]byte, uint64) {
	t.Helper()
	before := storage.LocalFsFileReads(t, s)
	v, err := s.Get(t.Context(), cacheNS, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v, storage.LocalFsFileReads(t, s) - before
}

func mustGetFresh(t *testing.T, s *storage.LocalFs, key string, want []byte) {
	t.Helper()
	if got, _ := getCounted(t, s, key); !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func TestLocalFsCacheServesSettledValueWithoutReading(t *testing.T) {
	s := openCachingLocalFs(t, t.TempDir())
	mustSet(t, s, "policy", "package policy")
	if v, reads := getCounted(t, s, "policy"); reads != 1 || string(v) != "package policy" {
		t.Fatalf("first Get = %q after %d reads, want the value after 1", v, reads)
	}
	for range 3 {
		if v, reads := getCounted(t, s, "policy"); reads != 0 || string(v) != "package policy" {
			t.Fatalf("Get of a settled, unchanged file = %q after %d reads, want the cached value", v, reads)
		}
	}
}

// A file is settled once its ctime is MORE than a second older than the
// start of the read; until then every Get reads it.
func TestLocalFsCacheOnlyKeepsSettledFiles(t *testing.T) {
	dir := t.TempDir()
	s := openLocalFs(t, dir)
	defer s.Close()
	path := filepath.Join(dir, cacheNS, "policy")
	writeFile(t, path, "v1")
	ctime := ctimeOf(t, path)
	for _, c := range []struct {
		age    time.Duration
		cached bool
	}{
		{0, false},
		{time.Second, false},
		{time.Second + 1, true},
	} {
		storage.SetLocalFsClock(t, s, func() time.Time { return ctime.Add(c.age) })
		getCounted(t, s, "policy")
		if _, reads := getCounted(t, s, "policy"); (reads == 0) != c.cached {
			t.Errorf("read %v after the file's ctime: second Get read %d files, want cached=%v", c.age, reads, c.cached)
		}
	}
}

// With the real clock a file written a moment ago is not settled, so an
// in-place rewrite of the same size within the same clock tick (upstream
// Trustee writes in place), which may leave size, mtime and ctime equal,
// is seen.
func TestLocalFsCacheSeesInPlaceWriteWithinOneTick(t *testing.T) {
	dir := t.TempDir()
	s := openLocalFs(t, dir)
	defer s.Close()
	path := filepath.Join(dir, cacheNS, "policy")
	writeFile(t, path, "allow = true ")
	mustGetFresh(t, s, "policy", []byte("allow = true "))
	writeFile(t, path, "allow = false")
	if v, reads := getCounted(t, s, "policy"); reads != 1 || string(v) != "allow = false" {
		t.Fatalf("Get after an in-place write = %q after %d reads, want the new value read from the file", v, reads)
	}
	if storage.LocalFsCaches(t, s, cacheNS, "policy") {
		t.Fatal("a file changed a moment ago was cached")
	}
}

// Whoever writes the file, and however, the next Get sees it.
func TestLocalFsCacheSeesWritesBypassingIt(t *testing.T) {
	for _, w := range []struct {
		name  string
		write func(t *testing.T, dir, path string)
	}{
		{"another LocalFs", func(t *testing.T, dir, _ string) {
			other := openLocalFs(t, dir)
			defer other.Close()
			if err := other.Set(t.Context(), cacheNS, "policy", []byte("version 2"), true); err != nil {
				t.Fatal(err)
			}
		}},
		{"in place", func(t *testing.T, _, path string) { writeFile(t, path, "version 2") }},
		{"in place, mtime restored", func(t *testing.T, _, path string) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, "version 2")
			if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"renamed over", func(t *testing.T, _, path string) {
			writeFile(t, path+".new", "version 2")
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openCachingLocalFs(t, dir)
			path := filepath.Join(dir, cacheNS, "policy")
			writeFile(t, path, "version 1")
			mustGetFresh(t, s, "policy", []byte("version 1"))
			if !storage.LocalFsCaches(t, s, cacheNS, "policy") {
				t.Fatal("settled value not cached")
			}
			waitForFileClockPast(t, ctimeOf(t, path))
			w.write(t, dir, path)
			mustGetFresh(t, s, "policy", []byte("version 2"))
		})
	}
}

func TestLocalFsCacheDroppedBySetAndDelete(t *testing.T) {
	s := openCachingLocalFs(t, t.TempDir())
	ctx := t.Context()
	mustSet(t, s, "k", "one")
	mustGetFresh(t, s, "k", []byte("one"))
	mustSet(t, s, "k", "two")
	if storage.LocalFsCaches(t, s, cacheNS, "k") {
		t.Error("Set left the old value cached")
	}
	mustGetFresh(t, s, "k", []byte("two"))

	if err := s.Delete(ctx, cacheNS, "k"); err != nil {
		t.Fatal(err)
	}
	if storage.LocalFsCaches(t, s, cacheNS, "k") {
		t.Error("Delete left the value cached")
	}
	if _, err := s.Get(ctx, cacheNS, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
}

// A file removed behind the cache's back is not found, and its value is
// dropped.
func TestLocalFsCacheDroppedWhenFileGone(t *testing.T) {
	dir := t.TempDir()
	s := openCachingLocalFs(t, dir)
	mustSet(t, s, "k", "one")
	mustGetFresh(t, s, "k", []byte("one"))
	if err := os.Remove(filepath.Join(dir, cacheNS, "k")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), cacheNS, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get of a removed file: %v, want ErrNotFound", err)
	}
	if storage.LocalFsCaches(t, s, cacheNS, "k") {
		t.Error("the removed file's value is still cached")
	}
}

func TestLocalFsCacheReturnsCopies(t *testing.T) {
	s := openCachingLocalFs(t, t.TempDir())
	mustSet(t, s, "k", "original")
	for range 3 {
		v, _ := getCounted(t, s, "k")
		if string(v) != "original" {
			t.Fatalf("Get = %q after callers modified earlier results", v)
		}
		copy(v, "MODIFIED")
	}
}

func TestLocalFsCacheKeepsOnlySmallValues(t *testing.T) {
	dir := t.TempDir()
	s := openCachingLocalFs(t, dir)
	for size, cached := range map[int]bool{64 << 10: true, 64<<10 + 1: false} {
		key := fmt.Sprintf("size-%d", size)
		writeFile(t, filepath.Join(dir, cacheNS, key), string(bytes.Repeat([]byte{'x'}, size)))
		if v, _ := getCounted(t, s, key); len(v) != size {
			t.Fatalf("Get(%q) returned %d bytes, want %d", key, len(v), size)
		}
		if got := storage.LocalFsCaches(t, s, cacheNS, key); got != cached {
			t.Errorf("%d-byte value cached = %v, want %v", size, got, cached)
		}
	}
}

// The cache holds at most 512 values, and evicting one never loses it.
func TestLocalFsCacheBounded(t *testing.T) {
	const files = 600
	dir := t.TempDir()
	s := openCachingLocalFs(t, dir)
	key := func(i int) string { return fmt.Sprintf("k%d", i) }
	for i := range files {
		writeFile(t, filepath.Join(dir, cacheNS, key(i)), key(i))
		mustGetFresh(t, s, key(i), []byte(key(i)))
	}
	cached := 0
	for i := range files {
		if storage.LocalFsCaches(t, s, cacheNS, key(i)) {
			cached++
		}
	}
	if cached != 512 {
		t.Errorf("%d values cached after reading %d files, want 512", cached, files)
	}
	for i := range files {
		mustGetFresh(t, s, key(i), []byte(key(i)))
	}
}

// Readers of a settled key and a writer replacing it: every value read is
// whole, and no reader sees a value older than one it saw before. Each
// version has its own size, so even a clock that calls every file settled
// cannot make two versions' identities equal.
func TestLocalFsCacheConcurrentReadersAndWriter(t *testing.T) {
	const versions, readers = 30, 4
	s := openCachingLocalFs(t, t.TempDir())
	ctx := t.Context()
	set := func(seq int) {
		if err := s.Set(ctx, cacheNS, "k", storagetest.NewCheckedValue(0, uint64(seq), 64+seq), true); err != nil {
			t.Error(err)
		}
	}
	set(0)
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for seq := 1; seq <= versions; seq++ {
			set(seq)
		}
	})
	for r := range readers {
		wg.Go(func() {
			last := uint64(0)
			for finished := false; !finished; {
				select {
				case <-done:
					finished = true // one more read, after the last write
				default:
				}
				v, err := s.Get(ctx, cacheNS, "k")
				if err != nil {
					t.Errorf("reader %d: %v", r, err)
					return
				}
				_, seq, err := storagetest.ParseCheckedValue(v)
				if err != nil || seq < last || finished && seq != versions {
					t.Errorf("reader %d: version %d (%v) after version %d", r, seq, err, last)
					return
				}
				last = seq
			}
		})
	}
	wg.Wait()
}

func mustSet(t *testing.T, s *storage.LocalFs, key, value string) {
	t.Helper()
	if err := s.Set(t.Context(), cacheNS, key, []byte(value), true); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func ctimeOf(t *testing.T, path string) time.Time {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return time.Unix(st.Ctim.Unix())
}

// waitForFileClockPast returns once the kernel's file clock stamps a
// change later than ctime, which takes at most a clock tick: it rewrites a
// probe file on the same filesystem until the probe's ctime is later.
func waitForFileClockPast(t *testing.T, ctime time.Time) {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "clock-probe")
	for range 1_000_000 {
		writeFile(t, probe, "tick")
		if ctimeOf(t, probe).After(ctime) {
			return
		}
	}
	t.Fatalf("the file clock never passed %v", ctime)
}

// The hot path: a small settled value read again and again, unchanged.
func BenchmarkLocalFsGet(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := openCachingLocalFs(b, b.TempDir())
			ctx := b.Context()
			if err := s.Set(ctx, cacheNS, "policy", storagetest.NewCheckedValue(0, 0, size), true); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, cacheNS, "policy"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// View lends the cached value itself, without reading the file, and still
// sees a write that bypassed the cache.
func TestLocalFsViewLendsTheCachedValue(t *testing.T) {
	dir := t.TempDir()
	s := openCachingLocalFs(t, dir)
	path := filepath.Join(dir, cacheNS, "policy")
	writeFile(t, path, "version 1")
	mustGetFresh(t, s, "policy", []byte("version 1"))
	viewCounted := func() (string, uint64) {
		before := storage.LocalFsFileReads(t, s)
		var got string
		if err := s.View(t.Context(), cacheNS, "policy", func(v []byte) error {
			got = string(v)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got, storage.LocalFsFileReads(t, s) - before
	}
	if got, reads := viewCounted(); got != "version 1" || reads != 0 {
		t.Fatalf("View of a cached value = %q after %d file reads, want it without reading", got, reads)
	}
	waitForFileClockPast(t, ctimeOf(t, path))
	writeFile(t, path, "version 2")
	if got, _ := viewCounted(); got != "version 2" {
		t.Fatalf("View after a write bypassing the cache = %q, want \"version 2\"", got)
	}
}
