package resourceuri

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// The parse/serialise cases of upstream's resource_uri tests.
func TestParseUpstreamCases(t *testing.T) {
	cases := []struct {
		in     string
		host   string
		plugin string
		path   []string
		query  string
		kbs    string
	}{
		{"kbs:///alice/cosign-key/213", "", "resource", []string{"alice", "cosign-key", "213"}, "", "alice/cosign-key/213"},
		{"kbs:///repo/type/tag?param1=value1&param2=value2", "", "resource", []string{"repo", "type", "tag"}, "param1=value1&param2=value2", "repo/type/tag?param1=value1&param2=value2"},
		{"kbs+pkcs11:///repo/type/tag", "", "pkcs11", []string{"repo", "type", "tag"}, "", "plugin/pkcs11/repo/type/tag"},
		{"kbs+myplugin:///a/b/c", "", "myplugin", []string{"a", "b", "c"}, "", "plugin/myplugin/a/b/c"},
		{"kbs+custom://example.com:8080/repo/type/tag", "example.com:8080", "custom", []string{"repo", "type", "tag"}, "", "plugin/custom/repo/type/tag"},
	}
	for _, c := range cases {
		u, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if u.Host != c.host || u.Plugin != c.plugin || !slices.Equal(u.Path, c.path) || u.Query != c.query {
			t.Errorf("Parse(%q) = %+v", c.in, u)
		}
		if got := u.String(); got != c.in {
			t.Errorf("String() = %q, want %q", got, c.in)
		}
		if got := u.KBSPath(); got != c.kbs {
			t.Errorf("KBSPath() = %q, want %q", got, c.kbs)
		}
	}
}

func TestExplicitResourcePluginNormalises(t *testing.T) {
	u, err := Parse("kbs+resource:///repo/type/tag")
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != "kbs:///repo/type/tag" || u.KBSPath() != "repo/type/tag" {
		t.Fatalf("got %q / %q", u.String(), u.KBSPath())
	}
}

func TestPluginPathsMayHaveAnyNumberOfSegments(t *testing.T) {
	u, err := Parse("kbs+pkcs11:///slot/1")
	if err != nil {
		t.Fatal(err)
	}
	if u.KBSPath() != "plugin/pkcs11/slot/1" {
		t.Fatalf("KBSPath = %q", u.KBSPath())
	}
}

func TestSchemeIsCaseInsensitive(t *testing.T) {
	u, err := Parse("KBS:///a/b/c")
	if err != nil || u.String() != "kbs:///a/b/c" {
		t.Fatalf("got %v, %v", u, err)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"http:///repo/type/tag":                        "unknown scheme",
		"kbs+:///repo/type/tag":                        "needs a plugin name",
		"file:///etc/passwd":                           "unknown scheme",
		"kbs:/default/key/1":                           "want a kbs://",
		"default/key/1":                                "want a kbs://",
		"kbs://host":                                   "has no path",
		"kbs:///default/key":                           "got 2 path segments",
		"kbs:///default/key/1/2":                       "got 4 path segments",
		"kbs:///default/../1":                          `".." is not allowed`,
		"kbs+p:///a/../b":                              `".." is not allowed`,
		"kbs+p:///a/./b":                               `"." is not allowed`,
		"kbs:///default//1":                            "empty path segment",
		"kbs:///default/key/.hidden":                   "do not start with a dot",
		"kbs:///default/key/a%2F..":                    "use only",
		"kbs:///default/key/a b":                       "use only",
		"kbs:///kbs:///default/key/1":                  "got 6 path segments",
		"kbs:///a/b/c#frag":                            "fragments",
		"kbs:///a/b/c?x=1 2":                           "query",
		"kbs:///a/b/c?x=%zz":                           "query",
		"kbs+auth:///a":                                "not a plugin name",
		"kbs+a/b:///a":                                 "not a plugin name",
		"kbs://user@host/a/b/c":                        "user info",
		"kbs://host:/a/b/c":                            "empty port",
		"kbs://ho st/a/b/c":                            "bad host",
		"kbs:///a/b/" + strings.Repeat("c", maxLength): "longer than",
	}
	for in, want := range cases {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", in)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an ErrInvalid mentioning %q", in, err, want)
		}
	}
}

func TestIsResourceURI(t *testing.T) {
	for in, want := range map[string]bool{
		"kbs:///a/b/c": true, "kbs+x:///a": true, "KBS:///a/b/c": true,
		"test-key": false, "kb": false, "": false, "/run/key": false,
	} {
		if got := IsResourceURI(in); got != want {
			t.Errorf("IsResourceURI(%q) = %v", in, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"kbs:///default/key/1", "kbs+pkcs11://h:1/a/b?x=y", "kbs:///kbs:///default/key/1",
		"kbs:///a/../b", "KBS+X:///a", "kbs://[::1]:8080/a/b/c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// A parsed URI serialises to a URI that parses to the same value.
		again, err := Parse(u.String())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", u.String(), err)
		}
		if again.String() != u.String() || again.KBSPath() != u.KBSPath() {
			t.Fatalf("round trip changed %q to %q", u.String(), again.String())
		}
		for _, seg := range u.Path {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "/?#%") {
				t.Fatalf("unsafe segment %q accepted from %q", seg, s)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("kbs:///default/key/1?version=2"); err != nil {
			b.Fatal(err)
		}
	}
}
