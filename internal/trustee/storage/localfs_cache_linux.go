//go:build linux

package storage

import (
	"bytes"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The cache of small values that LocalFs.Get serves after one stat. Why a
// hit can never be stale is explained in the LocalFs doc comment.
const (
	maxCachedValueSize = 64 << 10
	maxCachedValues    = 512 // so at most 32 MiB of values
	// settledAge is how much older than the start of a read a file's ctime
	// must be for the value read to be cached: far longer than a tick of the
	// kernel's coarse file clock, so no later write can give the file that
	// ctime again.
	settledAge = time.Second
	// maxSizeHint bounds the buffer reserved up front from a file's size,
	// so that no size stat reports can overflow the reservation.
	maxSizeHint = 1 << 30
)

// Filesystem magic numbers (statfs f_type) of the local filesystems whose
// stat always answers from the inode itself. Network and FUSE filesystems
// (NFS, CIFS, CephFS, virtiofs, 9p...) may answer stat from an attribute
// cache that only open revalidates, so they get no cache.
const (
	ext4Magic    = 0xEF53 // also ext2 and ext3
	xfsMagic     = 0x58465342
	btrfsMagic   = 0x9123683E
	tmpfsMagic   = 0x01021994
	overlayMagic = 0x794C7630
	f2fsMagic    = 0xF2F52010
)

type valueKey struct{ namespace, key string }

// fileIdentity is what a stat tells about a file's contents: equal
// identities of a settled file mean equal contents.
type fileIdentity struct {
	dev, ino     uint64
	size         int64
	mtime, ctime syscall.Timespec
}

type cachedValue struct {
	path  string
	value []byte // never modified: readers get copies
	id    fileIdentity
}

type valueCache struct {
	dev       uint64           // the store directory's device; other devices are not cached
	now       func() time.Time // replaced by tests to make files look settled
	fileReads atomic.Uint64    // key files opened and read, for tests

	mu      sync.RWMutex
	entries map[valueKey]*cachedValue
}

// newValueCache returns the cache for the store rooted at dir, or nil if
// dir's filesystem is not one whose stat can be trusted to be current.
func newValueCache(dir string) *valueCache {
	var fs syscall.Statfs_t
	var st syscall.Stat_t
	if syscall.Statfs(dir, &fs) != nil || !isLocalFilesystem(uint32(fs.Type)) || syscall.Stat(dir, &st) != nil {
		return nil
	}
	return &valueCache{
		dev:     deviceOf(&st),
		now:     time.Now,
		entries: make(map[valueKey]*cachedValue),
	}
}

// isLocalFilesystem takes statfs's f_type cut to 32 bits, the width of the
// magic numbers (f_type is signed and 32 or 64 bits wide, by platform).
func isLocalFilesystem(fsType uint32) bool {
	switch fsType {
	case ext4Magic, xfsMagic, btrfsMagic, tmpfsMagic, overlayMagic, f2fsMagic:
		return true
	}
	return false
}

// readValue reads key's file, or serves its cached value if stat shows
// the file is still the one that value was read from.
func (s *LocalFs) readValue(namespace, key string) (value []byte, shared bool, err error) {
	c := s.cache
	if c == nil {
		v, err := os.ReadFile(s.keyPath(namespace, key))
		return v, false, err
	}
	k := valueKey{namespace, key}
	if v, ok := c.lookup(k); ok {
		return v, true, nil
	}
	v, err := c.load(k, s.keyPath(namespace, key))
	return v, false, err
}

// forgetValue drops key's cached value, after a write or delete through s.
func (s *LocalFs) forgetValue(namespace, key string) {
	if s.cache != nil {
		s.cache.forget(valueKey{namespace, key})
	}
}

func (c *valueCache) lookup(k valueKey) ([]byte, bool) {
	c.mu.RLock()
	e := c.entries[k]
	c.mu.RUnlock()
	if e == nil {
		return nil, false
	}
	var st syscall.Stat_t
	if syscall.Stat(e.path, &st) != nil || identityOf(&st) != e.id {
		return nil, false
	}
	return e.value, true
}

// load reads the file at path and caches its value if the file is small,
// settled and on the store's device; otherwise it drops k's entry.
func (c *valueCache) load(k valueKey, path string) ([]byte, error) {
	start := c.now()
	c.fileReads.Add(1)
	v, st, err := readWithStat(path)
	if err == nil && c.cacheable(st, len(v), start) {
		c.store(k, &cachedValue{path: path, value: bytes.Clone(v), id: identityOf(st)})
	} else {
		c.forget(k)
	}
	return v, err
}

// cacheable reports whether n bytes read, from a file whose stat before
// the read was st, can be cached. The read must have returned exactly the
// size stat reported, and the file's last change must predate the read
// by settledAge.
func (c *valueCache) cacheable(st *syscall.Stat_t, n int, start time.Time) bool {
	return deviceOf(st) == c.dev &&
		st.Mode&syscall.S_IFMT == syscall.S_IFREG &&
		n <= maxCachedValueSize && int64(n) == st.Size &&
		time.Unix(st.Ctim.Unix()).Before(start.Add(-settledAge))
}

func (c *valueCache) store(k valueKey, e *cachedValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= maxCachedValues {
		for victim := range c.entries { // map order is random: evicts a random entry
			delete(c.entries, victim)
			break
		}
	}
	c.entries[k] = e
}

func (c *valueCache) forget(k valueKey) {
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

func identityOf(st *syscall.Stat_t) fileIdentity {
	return fileIdentity{
		dev:   deviceOf(st),
		ino:   st.Ino,
		size:  st.Size,
		mtime: st.Mtim,
		ctime: st.Ctim,
	}
}

func deviceOf(st *syscall.Stat_t) uint64 {
	return uint64(st.Dev) //nolint:unconvert // uint32 on mips
}

// readWithStat reads the file at path like os.ReadFile, and returns the
// stat of the open file taken before reading it: a stat of the path
// instead could describe a file renamed over it meanwhile.
func readWithStat(path string) ([]byte, *syscall.Stat_t, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = f.Close() }() // opened read-only
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, nil, &os.PathError{Op: "stat", Path: path, Err: syscall.ENOTSUP}
	}
	var buf bytes.Buffer
	buf.Grow(int(min(max(st.Size, 0), maxSizeHint)) + bytes.MinRead)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), st, nil
}
