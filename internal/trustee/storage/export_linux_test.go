package storage

import (
	"testing"
	"time"
)

// The cache's test seams. Each skips the test when s has no cache: the
// test directory is then on a filesystem the cache does not trust.

// SetLocalFsClock replaces the clock by which s's cache judges a file
// settled.
func SetLocalFsClock(tb testing.TB, s *LocalFs, now func() time.Time) {
	tb.Helper()
	cacheOf(tb, s).now = now
}

// LocalFsFileReads counts the key files s's Get has opened and read.
func LocalFsFileReads(tb testing.TB, s *LocalFs) uint64 {
	tb.Helper()
	return cacheOf(tb, s).fileReads.Load()
}

// LocalFsCaches reports whether s's cache holds a value for key.
func LocalFsCaches(tb testing.TB, s *LocalFs, namespace, key string) bool {
	tb.Helper()
	c := cacheOf(tb, s)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[valueKey{namespace, key}] != nil
}

func cacheOf(tb testing.TB, s *LocalFs) *valueCache {
	tb.Helper()
	if s.cache == nil {
		// The cache tests need a local file system; a skip would count as a pass.
		tb.Fatalf("no value cache on the file system of %s: run the tests with TMPDIR on ext4, XFS, btrfs, tmpfs, overlayfs or f2fs", s.dir)
	}
	return s.cache
}
