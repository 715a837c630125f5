package image

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// maxAccountFileSize bounds /etc/passwd and /etc/group of an image.
const maxAccountFileSize = 1 << 20

// resolveUser turns the image config's User ("", "name", "uid",
// "name:group", "uid:gid"...) into numeric ids, looking names up in the
// image's own /etc/passwd and /etc/group. A user without a group takes
// its passwd group (0 for a bare uid not in passwd).
func (u *unpacker) resolveUser(spec string) (uid, gid uint32, err error) {
	if spec == "" {
		return 0, 0, nil
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	uid, gid, err = u.lookup("etc/passwd", userPart, 2, 3)
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: %w", spec, err)
	}
	if hasGroup {
		if gid, _, err = u.lookup("etc/group", groupPart, 2, -1); err != nil {
			return 0, 0, fmt.Errorf("group %q: %w", spec, err)
		}
	}
	return uid, gid, nil
}

// lookup finds name (or a number) in a colon-separated account file and
// returns its idField and, when groupField >= 0, that field too.
func (u *unpacker) lookup(file, name string, idField, groupField int) (uint32, uint32, error) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		id := uint32(n)
		_, gid, err := u.lookupByField(file, name, idField, idField, groupField)
		if err != nil {
			gid = 0
		}
		return id, gid, nil
	}
	return u.lookupByField(file, name, 0, idField, groupField)
}

func (u *unpacker) lookupByField(file, key string, keyField, idField, groupField int) (uint32, uint32, error) {
	b, err := u.readSmall(file)
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) <= max(idField, groupField, keyField) || fields[keyField] != key {
			continue
		}
		id, err := strconv.ParseUint(fields[idField], 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: bad id for %q", file, key)
		}
		var group uint64
		if groupField >= 0 {
			if group, err = strconv.ParseUint(fields[groupField], 10, 32); err != nil {
				return 0, 0, fmt.Errorf("%s: bad group for %q", file, key)
			}
		}
		return uint32(id), uint32(group), nil
	}
	return 0, 0, fmt.Errorf("%q not found in /%s", key, file)
}

// readSmall reads a file of the root, resolving its directory inside.
func (u *unpacker) readSmall(name string) ([]byte, error) {
	dir, base := path.Split(name)
	parent, err := u.resolveDir(dir, false)
	if err != nil {
		return nil, err
	}
	f, err := u.root.Open(path.Join(parent, base))
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	b, err := io.ReadAll(io.LimitReader(f, maxAccountFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxAccountFileSize {
		return nil, fmt.Errorf("/%s is larger than %d bytes", name, maxAccountFileSize)
	}
	return b, nil
}
