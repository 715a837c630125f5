package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// entry is one tar entry of a test layer.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func layerTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
			if e.typ == tar.TypeDir {
				mode = 0o755
			}
		}
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: mode, Linkname: e.link, Size: int64(len(e.body)), Uid: 1000, Gid: 1000}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func file(name, body string) entry { return entry{name: name, body: body, typ: tar.TypeReg} }
func dir(name string) entry        { return entry{name: name, typ: tar.TypeDir} }
func symlink(name, to string) entry {
	return entry{name: name, link: to, typ: tar.TypeSymlink}
}
func hardlink(name, to string) entry { return entry{name: name, link: to, typ: tar.TypeLink} }

// newTestRoot is an unpacker over a fresh directory inside a parent that
// holds a file the layers must never reach.
func newTestRoot(t *testing.T) (*unpacker, string, string) {
	t.Helper()
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	if err := os.WriteFile(outside, []byte("host file"), 0o644); err != nil {
		t.Fatal(err)
	}
	rootDir := filepath.Join(parent, "rootfs")
	if err := os.Mkdir(rootDir, 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return newUnpacker(root), rootDir, outside
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUnpackLayersWithWhiteouts(t *testing.T) {
	u, root, _ := newTestRoot(t)
	layers := [][]byte{
		layerTar(t, dir("etc/"), file("etc/a", "A"), file("etc/b", "B"), dir("opt/"), file("opt/old", "old"),
			entry{name: "bin/tool", body: "#!/bin/sh\n", typ: tar.TypeReg, mode: 0o4755}, hardlink("bin/tool2", "bin/tool"),
			symlink("usr", "/opt"), entry{name: "dev/null", typ: tar.TypeChar}),
		layerTar(t, file("etc/.wh.a", ""), file("opt/.wh..wh..opq", ""), file("opt/new", "new"),
			file("usr/through-link", "via absolute symlink")),
	}
	for _, l := range layers {
		if err := u.apply(bytes.NewReader(l)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/a")); !os.IsNotExist(err) {
		t.Errorf("whiteout left etc/a: %v", err)
	}
	if readString(t, filepath.Join(root, "etc/b")) != "B" {
		t.Error("etc/b lost")
	}
	if _, err := os.Lstat(filepath.Join(root, "opt/old")); !os.IsNotExist(err) {
		t.Errorf("opaque directory kept opt/old: %v", err)
	}
	if readString(t, filepath.Join(root, "opt/new")) != "new" {
		t.Error("opt/new missing")
	}
	// usr -> /opt resolves inside the root, not to the host's /opt.
	if readString(t, filepath.Join(root, "opt/through-link")) != "via absolute symlink" {
		t.Error("write through an absolute symlink did not land inside the root")
	}
	fi, err := os.Stat(filepath.Join(root, "bin/tool"))
	if err != nil || fi.Mode()&os.ModeSetuid == 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/tool mode: %v %v", fi.Mode(), err)
	}
	fi2, _ := os.Stat(filepath.Join(root, "bin/tool2"))
	if !os.SameFile(fi, fi2) {
		t.Error("bin/tool2 is not a hard link of bin/tool")
	}
	if u.skipped != 1 {
		t.Errorf("skipped %d device nodes, want 1", u.skipped)
	}
	if os.Geteuid() == 0 {
		st, _ := os.Lstat(filepath.Join(root, "etc/b"))
		if uid, gid := ownerOf(st); uid != 1000 || gid != 1000 {
			t.Errorf("owner %d:%d, want 1000:1000", uid, gid)
		}
	}
}

func TestUnpackRefusesEscapes(t *testing.T) {
	cases := map[string][][]byte{
		"dot-dot name":             {layerTar(t, file("../outside", "pwned"))},
		"dot-dot inside name":      {layerTar(t, file("a/../../outside", "pwned"))},
		"hard link outside":        {layerTar(t, hardlink("x", "../outside"))},
		"hard link via symlink":    {layerTar(t, symlink("up", "../"), hardlink("x", "up/outside"))},
		"relative symlink climb":   {layerTar(t, symlink("up", "../../.."), file("up/outside", "pwned"))},
		"symlink then file":        {layerTar(t, symlink("link", "../outside")), layerTar(t, file("link", "pwned"))},
		"absolute symlink climb":   {layerTar(t, symlink("abs", "/../../"), file("abs/outside", "pwned"))},
		"whiteout climbing parent": {layerTar(t, file("../.wh.outside", ""))},
	}
	for name, layers := range cases {
		t.Run(name, func(t *testing.T) {
			u, _, outside := newTestRoot(t)
			for _, l := range layers {
				_ = u.apply(bytes.NewReader(l)) // refused or kept inside; checked below
			}
			if got := readString(t, outside); got != "host file" {
				t.Fatalf("the file outside the root became %q", got)
			}
		})
	}
	// Names that climb are refused outright, with ErrUnsafePath.
	for _, l := range [][]byte{layerTar(t, file("../outside", "x")), layerTar(t, hardlink("x", "../../etc/passwd"))} {
		u, _, _ := newTestRoot(t)
		if err := u.apply(bytes.NewReader(l)); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("got %v, want ErrUnsafePath", err)
		}
	}
}

func TestUnpackSymlinkLoop(t *testing.T) {
	u, _, _ := newTestRoot(t)
	err := u.apply(bytes.NewReader(layerTar(t, symlink("a", "b"), symlink("b", "a"), file("a/x", "x"))))
	if !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("got %v, want a loop refusal", err)
	}
}

func TestResolveUser(t *testing.T) {
	u, _, _ := newTestRoot(t)
	if err := u.apply(bytes.NewReader(layerTar(t,
		file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n"),
		file("etc/group", "root:x:0:\nstaff:x:50:\n")))); err != nil {
		t.Fatal(err)
	}
	for spec, want := range map[string][2]uint32{"": {0, 0}, "app": {1000, 1001}, "1000": {1000, 1001}, "app:staff": {1000, 50}, "7:8": {7, 8}, "0": {0, 0}} {
		uid, gid, err := u.resolveUser(spec)
		if err != nil || uid != want[0] || gid != want[1] {
			t.Errorf("%q: %d:%d %v, want %v", spec, uid, gid, err, want)
		}
	}
	for _, bad := range []string{"nobody", "app:nogroup"} {
		if _, _, err := u.resolveUser(bad); err == nil {
			t.Errorf("%q resolved", bad)
		}
	}
}
