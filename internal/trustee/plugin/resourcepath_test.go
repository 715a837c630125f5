package plugin

import (
	"errors"
	"strings"
	"testing"
)

func TestParseResourcePath(t *testing.T) {
	good := [][]string{
		{"default", "key", "1"},
		{"my-repo", "type_1", "tag.v2"},
		{"a..", "b", "c"}, // upstream's regex allows dots after the first character
	}
	for _, segs := range good {
		p, err := ParseResourcePath(segs)
		if err != nil {
			t.Errorf("%q: %v", segs, err)
			continue
		}
		if p.String() != strings.Join(segs, "/") {
			t.Errorf("%q: String() = %q", segs, p.String())
		}
	}
	bad := [][]string{
		nil,
		{"default", "key"},
		{"default", "key", "1", "extra"},
		{"..", "key", "1"},
		{"default", ".", "1"},
		{"default", "key", ".hidden"},
		{"default", "", "1"},
		{"default", "key", "a/b"},
		{"default", "key", "a b"},
		{"default", "key", "ключ"},
		{"default", "key", "a%2e"},
	}
	for _, segs := range bad {
		if _, err := ParseResourcePath(segs); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("%q: err = %v, want ErrInvalidPath", segs, err)
		}
	}
}

func FuzzResourcePath(f *testing.F) {
	for _, s := range []string{"default/key/1", "../../etc/passwd", "a/./b", "a..b/c/d", "a/b/c/d", "", "a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		p, err := ParseResourcePath(strings.Split(path, "/"))
		if err != nil {
			return
		}
		if p.String() != path {
			t.Fatalf("accepted %q but renders %q", path, p.String())
		}
		for _, seg := range []string{p.Repository, p.Type, p.Tag} {
			if seg == "" || seg[0] == '.' || strings.ContainsAny(seg, "/\\ \x00") {
				t.Fatalf("accepted unsafe segment %q in %q", seg, path)
			}
		}
	})
}
