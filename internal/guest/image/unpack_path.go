package image

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// maxSymlinkFollows bounds symlink resolution (Linux's MAXSYMLINKS is 40).
const maxSymlinkFollows = 40

// cleanEntryName makes a tar entry name relative to the root. Leading
// slashes are dropped, as tar does; a name that climbs out with ".." is
// refused rather than clamped, since no honest layer has one.
func cleanEntryName(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%w: empty name or NUL in %q", ErrUnsafePath, name)
	}
	clean := path.Clean(strings.TrimLeft(name, "/"))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%w: %q leaves the root", ErrUnsafePath, name)
	}
	return clean, nil
}

// resolveDir turns dir (clean, relative) into a path free of symlinks,
// following each symlink as if the root were "/" (an absolute or
// climbing target stays inside, as in a chroot). Missing directories are
// created when create is set. os.Root checks every later operation
// again, so a path that changed under us still cannot leave the root.
func (u *unpacker) resolveDir(dir string, create bool) (string, error) {
	pending := splitPath(dir)
	var cur []string
	follows := 0
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
			continue
		}
		next := path.Join(append(cur, c)...)
		fi, err := u.root.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist) && create:
			if err := u.root.Mkdir(next, 0o755); err != nil {
				return "", err
			}
			cur = append(cur, c)
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink != 0:
			if follows++; follows > maxSymlinkFollows {
				return "", fmt.Errorf("%w: too many symlinks resolving %q", ErrUnsafePath, dir)
			}
			target, err := u.root.Readlink(next)
			if err != nil {
				return "", err
			}
			if path.IsAbs(target) {
				cur = cur[:0]
			}
			pending = append(splitPath(target), pending...)
		case fi.IsDir():
			cur = append(cur, c)
		default:
			return "", fmt.Errorf("%s is not a directory", next)
		}
	}
	if len(cur) == 0 {
		return ".", nil
	}
	return path.Join(cur...), nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}
