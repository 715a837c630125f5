package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Temp files and their reaping.
//
// A writer holds an exclusive flock on its temp file from creation until the
// temp name is gone, and OpenLocalFs removes only temp files it can lock
// without waiting. The kernel drops a dead process's flocks, so what gets
// reaped is exactly what crashed writers left; a live writer's file, perhaps
// another process's on the same directory, is left alone.

// maxCreateAttempts bounds createTemp's retries: each retry means a reaper
// removed the fresh file between its creation and its lock, which takes an
// OpenLocalFs racing this exact write.
const maxCreateAttempts = 3

// tempFile is a value fully written and fsynced under a temp name, waiting
// to be renamed or linked to its key's name.
type tempFile struct {
	f       *os.File
	removed bool // the temp name is gone (renamed away or unlinked)
}

// createTemp writes value to a new, locked temp file in dir and fsyncs it.
func createTemp(dir string, value []byte) (*tempFile, error) {
	for range maxCreateAttempts {
		f, err := os.CreateTemp(dir, tempPrefix+"*")
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			// Cleanup of an empty file; the lock error is the one to return.
			_ = f.Close()
			_ = os.Remove(f.Name())
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		reaped, err := isUnlinked(f)
		if err != nil || reaped {
			_ = f.Close() // nothing written yet
			if err != nil {
				return nil, err
			}
			continue
		}
		t := &tempFile{f: f}
		if err := t.fill(value); err != nil {
			t.discard()
			return nil, err
		}
		return t, nil
	}
	return nil, fmt.Errorf("temp file in %s reaped %d times in a row", dir, maxCreateAttempts)
}

func (t *tempFile) fill(value []byte) error {
	if _, err := t.f.Write(value); err != nil {
		return err
	}
	return t.f.Sync()
}

// renameTo atomically replaces target with the value.
func (t *tempFile) renameTo(target string) error {
	if err := os.Rename(t.f.Name(), target); err != nil {
		return err
	}
	t.removed = true
	return nil
}

// linkTo atomically creates target with the value, or returns ErrExists. A
// hard link never replaces an existing name, so of several writers racing
// for one key, in this process or any other, exactly one wins.
func (t *tempFile) linkTo(target string) error {
	err := os.Link(t.f.Name(), target)
	if errors.Is(err, fs.ErrExist) {
		return ErrExists
	}
	if err != nil {
		return err
	}
	return t.unlink()
}

func (t *tempFile) unlink() error {
	if err := os.Remove(t.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	t.removed = true
	return nil
}

// discard removes the temp name if it is still there and releases the lock.
// It is safe to call after renameTo or linkTo.
func (t *tempFile) discard() {
	if !t.removed {
		_ = t.unlink() // a leftover is harmless: List ignores it, Open reaps it
	}
	// fill fsynced the value and checked it: closing only releases the lock.
	_ = t.f.Close()
}

// reapAbandonedTemps removes the temp files in dir whose writer is gone.
func reapAbandonedTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	reaped := false
	for _, e := range entries {
		if !isTempName(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		done, err := reapIfAbandoned(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		reaped = reaped || done
	}
	if !reaped {
		return nil
	}
	return syncDir(dir)
}

// reapIfAbandoned removes the temp file at path unless a live writer holds
// its lock, and reports whether it did.
func reapIfAbandoned(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // its writer finished meanwhile
	}
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }() // opened read-only, for its lock
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil // a live writer
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	// We hold the lock, so no writer will touch this file again; but its
	// writer may have renamed it away before we locked, so remove the name
	// only if it still names the file we locked.
	locked, err := f.Stat()
	if err != nil {
		return false, err
	}
	current, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !os.SameFile(locked, current) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// isUnlinked reports whether f's file no longer has a name, i.e. a reaper
// removed it between its creation and our lock.
func isUnlinked(f *os.File) (bool, error) {
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return false, fmt.Errorf("stat %s: no link count", f.Name())
	}
	return st.Nlink == 0, nil
}

// syncDir makes the creations, renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // read-only; the Sync below is what counts
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
