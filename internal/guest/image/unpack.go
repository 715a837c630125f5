package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// Whiteout names of the OCI layer format.
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// unpacker applies layers, in order, to one root file system.
type unpacker struct {
	root *os.Root
	// chown applies the entries' owners; only root may.
	chown bool
	buf   []byte

	// per layer: paths written (an opaque directory keeps those) and
	// directory attributes, applied once the layer's children are in.
	written map[string]bool
	dirs    []dirAttrs
	// skipped counts device nodes and FIFOs, which are not created.
	skipped int
}

type dirAttrs struct {
	path  string
	mode  fs.FileMode
	mtime time.Time
}

func newUnpacker(root *os.Root) *unpacker {
	return &unpacker{root: root, chown: os.Geteuid() == 0, buf: make([]byte, copyBufferSize)}
}

// apply unpacks one uncompressed layer tar.
func (u *unpacker) apply(r io.Reader) error {
	u.written, u.dirs = map[string]bool{}, u.dirs[:0]
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("layer tar: %w", err)
		}
		if err := u.entry(tr, hdr); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
	}
	for i := len(u.dirs) - 1; i >= 0; i-- {
		d := u.dirs[i]
		if err := u.root.Chmod(d.path, d.mode); err != nil {
			return err
		}
		if err := u.root.Chtimes(d.path, d.mtime, d.mtime); err != nil {
			return err
		}
	}
	return nil
}

func (u *unpacker) entry(tr *tar.Reader, hdr *tar.Header) error {
	name, err := cleanEntryName(hdr.Name)
	if err != nil {
		return err
	}
	dir, base := path.Split(name)
	parent, err := u.resolveDir(dir, true)
	if err != nil {
		return err
	}
	if base == "." {
		return u.directory(parent, hdr)
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		return u.whiteout(parent, base)
	}
	target := path.Join(parent, base)
	switch hdr.Typeflag {
	case tar.TypeDir:
		return u.directory(target, hdr)
	case tar.TypeReg:
		return u.file(target, tr, hdr)
	case tar.TypeSymlink:
		return u.symlink(target, hdr)
	case tar.TypeLink:
		return u.hardlink(target, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		u.skipped++
	}
	return nil
}

// clear removes what is at target unless both it and the new entry are
// directories.
func (u *unpacker) clear(target string, dir bool) error {
	fi, err := u.root.Lstat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if dir && fi.IsDir() {
		return nil
	}
	return u.root.RemoveAll(target)
}

func (u *unpacker) directory(target string, hdr *tar.Header) error {
	if err := u.clear(target, true); err != nil {
		return err
	}
	if err := u.root.Mkdir(target, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	u.written[target] = true
	u.dirs = append(u.dirs, dirAttrs{path: target, mode: hdr.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), mtime: hdr.ModTime})
	return u.owner(target, hdr)
}

func (u *unpacker) file(target string, tr *tar.Reader, hdr *tar.Header) error {
	if err := u.clear(target, false); err != nil {
		return err
	}
	f, err := u.root.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(f, tr, u.buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	u.written[target] = true
	if err := u.owner(target, hdr); err != nil {
		return err
	}
	if err := u.root.Chmod(target, hdr.FileInfo().Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return err
	}
	return u.root.Chtimes(target, hdr.ModTime, hdr.ModTime)
}

// symlink stores the link text as is: it is only ever followed through
// resolveDir or os.Root, both of which keep it inside.
func (u *unpacker) symlink(target string, hdr *tar.Header) error {
	if err := u.clear(target, false); err != nil {
		return err
	}
	if err := u.root.Symlink(hdr.Linkname, target); err != nil {
		return err
	}
	u.written[target] = true
	return u.owner(target, hdr)
}

// hardlink links to an entry already in the root; the link name is
// resolved like an entry name, so it cannot reach outside.
func (u *unpacker) hardlink(target string, hdr *tar.Header) error {
	linkName, err := cleanEntryName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	dir, base := path.Split(linkName)
	parent, err := u.resolveDir(dir, false)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	old := path.Join(parent, base)
	fi, err := u.root.Lstat(old)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("hard link target %q is a directory", hdr.Linkname)
	}
	if old == target {
		return nil
	}
	if err := u.clear(target, false); err != nil {
		return err
	}
	if err := u.root.Link(old, target); err != nil {
		return err
	}
	u.written[target] = true
	return nil
}

// whiteout deletes from lower layers: ".wh.<name>" removes name, and
// ".wh..wh..opq" empties the directory of all this layer did not write.
func (u *unpacker) whiteout(parent, base string) error {
	if base == whiteoutOpaque {
		dir, err := u.root.Open(parent)
		if err != nil {
			return err
		}
		entries, err := dir.ReadDir(-1)
		_ = dir.Close() // read-only directory handle
		if err != nil {
			return err
		}
		for _, e := range entries {
			if p := path.Join(parent, e.Name()); !u.written[p] {
				if err := u.root.RemoveAll(p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	victim := strings.TrimPrefix(base, whiteoutPrefix)
	if victim == "" || victim == "." || victim == ".." {
		return fmt.Errorf("%w: whiteout %q", ErrUnsafePath, base)
	}
	return u.root.RemoveAll(path.Join(parent, victim))
}

func (u *unpacker) owner(target string, hdr *tar.Header) error {
	if !u.chown {
		return nil
	}
	return u.root.Lchown(target, hdr.Uid, hdr.Gid)
}
