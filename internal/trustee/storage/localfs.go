package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
)

// LocalFs stores each value in its own file, laid out exactly as upstream
// Trustee's local_fs backend lays it out, so either can serve the other's
// data directory:
//
//	<dir>/<namespace>/<key with every '/' spelled \x2F>
//
// Unlike upstream, every write is atomic and durable: the value goes to a
// temp file in the same directory, is fsynced, and is then renamed over the
// key's file (or hard-linked to it when overwriting is not allowed), and the
// directory is fsynced. A reader or a crash therefore sees the old or the new
// value, never part of one.
//
// LocalFs holds no lock of its own. Every decision that must be atomic is
// made by one file-system call (rename replaces, link refuses an existing
// name, unlink removes once), so goroutines of one process and separate
// processes sharing the directory (KBS, AS and RVPS run apart) are treated
// alike and cannot interleave badly. (Temp-file reaping uses flock(2), so
// LocalFs builds on Linux, macOS and the BSDs.)
//
// On Linux, Get keeps small values (up to 64 KiB, 512 of them) in memory,
// each with the identity of the file it was read from: device, inode, size,
// mtime and ctime, from an fstat of the very file descriptor that was read.
// A later Get stats the key's path and serves a copy of the value only if
// the identity is unchanged; otherwise it reads the file again. No other
// writer needs to do anything for this: any write, in place (as upstream
// Trustee writes) or by rename (as Cocoon does), changes the identity,
// because the kernel sets ctime on every change and user space cannot set
// it. One hole remains: the file clock is coarse, so two writes within one
// tick can leave equal times, and a file rewritten in place with the same
// size (or a new file reusing a freed inode number) could then look
// unchanged. So a value is cached only once its file has settled: its ctime
// is more than a second older than the start of the read (git's "racily
// clean" rule). Any later write gets a later ctime, so a settled file's
// identity cannot come back with other contents. Writes and deletes through
// this LocalFs drop the key's entry at once.
//
// The cache is used only when the directory is on a local filesystem (ext4,
// XFS, btrfs, tmpfs, overlayfs or f2fs), and only for files on the
// directory's device: a network or FUSE filesystem may answer stat from an
// attribute cache that only open revalidates, and a stale stat would mean a
// stale value. There every Get reads the file, as on other platforms.
type LocalFs struct {
	dir    string
	closed atomic.Bool
	cache  *valueCache // nil: every Get reads the file
	// durableNS remembers namespaces whose directory this process has
	// created or seen, and whose entry in dir it has fsynced.
	durableNS sync.Map
}

var _ Store = (*LocalFs)(nil)

// OpenLocalFs opens (creating it if needed) the store rooted at dir, and
// removes temp files that crashed writers left behind.
func OpenLocalFs(dir string) (*LocalFs, error) {
	if err := createDurably(dir); err != nil {
		return nil, fmt.Errorf("storage: open local fs: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: open local fs: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && ValidateNamespace(e.Name()) == nil {
			if err := reapAbandonedTemps(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("storage: open local fs: %w", err)
			}
		}
	}
	return &LocalFs{dir: dir, cache: newValueCache(dir)}, nil
}

// Get implements Store.
func (s *LocalFs) Get(ctx context.Context, namespace, key string) ([]byte, error) {
	if err := s.checkCall(ctx, namespace, key); err != nil {
		return nil, err
	}
	v, shared, err := s.read(namespace, key)
	if err != nil {
		return nil, err
	}
	if shared {
		v = bytes.Clone(v)
	}
	return v, nil
}

// View implements Viewer: a cached value is lent as it is.
func (s *LocalFs) View(ctx context.Context, namespace, key string, fn func([]byte) error) error {
	if err := s.checkCall(ctx, namespace, key); err != nil {
		return err
	}
	v, _, err := s.read(namespace, key)
	if err != nil {
		return err
	}
	return fn(v)
}

// read is key's value; shared values belong to the value cache.
func (s *LocalFs) read(namespace, key string) (value []byte, shared bool, err error) {
	v, shared, err := s.readValue(namespace, key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("%w: %s/%s", ErrNotFound, namespace, key)
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: get %s/%s: %w", namespace, key, err)
	}
	return v, shared, nil
}

// Set implements Store.
func (s *LocalFs) Set(ctx context.Context, namespace, key string, value []byte, overwrite bool) error {
	if err := s.checkCall(ctx, namespace, key); err != nil {
		return err
	}
	err := s.set(namespace, key, value, overwrite)
	s.forgetValue(namespace, key)
	switch {
	case errors.Is(err, ErrExists):
		return fmt.Errorf("%w: %s/%s", ErrExists, namespace, key)
	case err != nil:
		return fmt.Errorf("storage: set %s/%s: %w", namespace, key, err)
	}
	return nil
}

func (s *LocalFs) set(namespace, key string, value []byte, overwrite bool) error {
	target := s.keyPath(namespace, key)
	if !overwrite {
		// Cheap early answer only; the link below is what decides.
		if _, err := os.Lstat(target); err == nil {
			return ErrExists
		}
	}
	nsDir, err := s.namespaceDir(namespace)
	if err != nil {
		return err
	}
	tmp, err := createTemp(nsDir, value)
	if err != nil {
		return err
	}
	defer tmp.discard()
	if overwrite {
		err = tmp.renameTo(target)
	} else {
		err = tmp.linkTo(target)
	}
	if err != nil {
		return err
	}
	return syncDir(nsDir)
}

// Delete implements Store.
func (s *LocalFs) Delete(ctx context.Context, namespace, key string) error {
	if err := s.checkCall(ctx, namespace, key); err != nil {
		return err
	}
	err := os.Remove(s.keyPath(namespace, key))
	s.forgetValue(namespace, key)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, namespace, key)
	}
	if err == nil {
		err = syncDir(filepath.Join(s.dir, namespace))
	}
	if err != nil {
		return fmt.Errorf("storage: delete %s/%s: %w", namespace, key, err)
	}
	return nil
}

// List implements Store. Files that are not a key's file (temp files,
// anything foreign) are ignored.
func (s *LocalFs) List(ctx context.Context, namespace string) ([]string, error) {
	if err := checkListCall(ctx, namespace); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, namespace))
	if errors.Is(err, fs.ErrNotExist) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: list %s: %w", namespace, err)
	}
	keys := make([]string, 0, len(entries))
	for _, e := range entries {
		if key, ok := keyFromFileName(e.Name()); ok && !e.IsDir() {
			keys = append(keys, key)
		}
	}
	// ReadDir sorts file names; `\x2F` and '/' sort differently.
	slices.Sort(keys)
	return keys, nil
}

// Close makes later calls return ErrClosed. Calls already running finish.
func (s *LocalFs) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *LocalFs) checkCall(ctx context.Context, namespace, key string) error {
	if err := checkCall(ctx, namespace, key); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

func (s *LocalFs) keyPath(namespace, key string) string {
	return filepath.Join(s.dir, namespace, keyFileName(key))
}

// namespaceDir returns the namespace's directory, creating it first if
// needed. The first time per process it also fsyncs the root, so that a
// value made durable in the namespace cannot lose its directory to a power
// cut, even if another process created that directory a moment ago.
func (s *LocalFs) namespaceDir(namespace string) (string, error) {
	nsDir := filepath.Join(s.dir, namespace)
	if _, ok := s.durableNS.Load(namespace); ok {
		return nsDir, nil
	}
	if err := os.Mkdir(nsDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if err := syncDir(s.dir); err != nil {
		return "", err
	}
	s.durableNS.Store(namespace, struct{}{})
	return nsDir, nil
}

// createDurably creates dir (and its parents) if it is missing, and then
// fsyncs its parent so that the new directory survives a power cut.
func createDurably(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return syncDir(filepath.Dir(filepath.Clean(dir)))
}
