package kbs

import (
	"net/url"
	"strings"
	"testing"
)

// structRouteURL is the reference routeURL must agree with: the URL built
// as a url.URL with escaped and plain paths.
func structRouteURL(base *url.URL, segments []string, query string) string {
	u := *base
	escaped := make([]string, len(segments))
	for i, s := range segments {
		escaped[i] = url.PathEscape(s)
	}
	u.Path = strings.TrimRight(base.Path, "/") + apiPrefix + strings.Join(segments, "/")
	u.RawPath = strings.TrimRight(base.EscapedPath(), "/") + apiPrefix + strings.Join(escaped, "/")
	u.RawQuery = query
	return u.String()
}

func TestRouteURL(t *testing.T) {
	cases := []struct {
		base, path, want string
	}{
		{"http://127.0.0.1:8080", "default/key/1", "http://127.0.0.1:8080/kbs/v0/resource/default/key/1"},
		{"https://kbs.example/prefix/", "plugin/p/a;b,c d?x=1", "https://kbs.example/prefix/kbs/v0/p/a%3Bb%2Cc%20d?x=1"},
		{"http://h/a%20b", "r/t/g?", "http://h/a%20b/kbs/v0/resource/r/t/g"},
	}
	for _, tc := range cases {
		root, err := apiRoot(tc.base)
		if err != nil {
			t.Fatalf("apiRoot(%q): %v", tc.base, err)
		}
		route, query, err := fetchRoute(tc.path)
		if err != nil {
			t.Fatalf("fetchRoute(%q): %v", tc.path, err)
		}
		if got := routeURL(root, route, query); got != tc.want {
			t.Errorf("routeURL(%q, %q) = %q, want %q", tc.base, tc.path, got, tc.want)
		}
	}
}

func TestAPIRootRefusesTrailingEscapedSlash(t *testing.T) {
	if root, err := apiRoot("http://h/a%2F"); err == nil {
		t.Fatalf("apiRoot accepted a path ending in %%2F: %q", root)
	}
}
