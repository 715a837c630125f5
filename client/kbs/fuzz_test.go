package kbs

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFetchRoute checks that any accepted path yields a URL that stays
// under /kbs/v0/ and keeps its segments.
func FuzzFetchRoute(f *testing.F) {
	for _, s := range []string{"default/key/1", "plugin/echo/a?b=c", "a/b/c?x", "../a/b", "plugin/auth/x", "a/b/%2e%2e", "plugin/p/a/b/c/d?%", "a/b/c\x00", "0/0/0?\x00", "a/b/c?x#y", "plugin/p/a#b?c d"} {
		f.Add(s)
	}
	root, err := apiRoot("http://127.0.0.1:8080")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path string) {
		route, query, err := fetchRoute(path)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("error %v does not wrap ErrInvalidPath", err)
			}
			return
		}
		u, err := url.Parse(routeURL(root, route, query))
		if err != nil {
			t.Fatalf("built an unparsable URL: %v", err)
		}
		if u.RawQuery != query || u.Fragment != "" {
			t.Fatalf("query %q became %q, fragment %q", query, u.RawQuery, u.Fragment)
		}
		if !strings.HasPrefix(u.Path, "/kbs/v0/") || u.Path != "/kbs/v0/"+strings.Join(route, "/") {
			t.Fatalf("path %q escapes or alters route %q", u.Path, route)
		}
		for _, seg := range route {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted segment %q", seg)
			}
		}
	})
}

// FuzzRouteURL checks that a URL built by appending to the API root is
// the one url.URL builds, for any base URL and route: the request target
// on the wire is the same.
func FuzzRouteURL(f *testing.F) {
	f.Add("http://127.0.0.1:8080", "default/key/1")
	f.Add("https://kbs.example/prefix/", "plugin/p/a;b,c?x=1")
	f.Add("http://[::1]:80/a%2Fb/c%20d", "plugin/p/%/ü?q")
	f.Add("http://h/a%2F", "a/b/c")
	f.Fuzz(func(t *testing.T, baseURL, path string) {
		root, rootErr := apiRoot(baseURL)
		base, baseErr := parseBaseURL(baseURL)
		route, query, routeErr := fetchRoute(path)
		if baseErr != nil || routeErr != nil {
			return
		}
		want := structRouteURL(base, route, query)
		if rootErr != nil {
			if !strings.HasSuffix(strings.ToLower(strings.TrimRight(base.EscapedPath(), "/")), "%2f") {
				t.Fatalf("apiRoot refused %q: %v", baseURL, rootErr)
			}
			return
		}
		if got := routeURL(root, route, query); got != want {
			t.Fatalf("routeURL = %q, url.URL builds %q", got, want)
		}
	})
}

// FuzzParseErrorBody checks that any error answer gives a bounded,
// printable message.
func FuzzParseErrorBody(f *testing.F) {
	f.Add(401, []byte(`{"type":"https://github.com/confidential-containers/kbs/errors/PolicyDeny","detail":"no"}`))
	f.Add(500, []byte("\xff\xfe\x1b[31m"))
	f.Add(404, []byte(`{"type":1}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		msg := parseErrorBody(status, bytes.NewReader(body)).Error()
		if !utf8.ValidString(msg) || len(msg) > 1300 {
			t.Fatalf("message invalid or too long (%d bytes)", len(msg))
		}
		if strings.ContainsFunc(msg, isControl) {
			t.Fatalf("message holds control characters: %q", msg)
		}
	})
}

// FuzzParseCachedToken checks that any token text is parsed or refused
// without panicking.
func FuzzParseCachedToken(f *testing.F) {
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.sig")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjFlMzA4fQ.x")
	f.Fuzz(func(t *testing.T, raw string) {
		if tok, err := parseCachedToken(raw); err == nil && tok.raw != raw {
			t.Fatal("cached token differs from the answer")
		}
	})
}

// FuzzValidityClaims checks that exp and nbf are read from any claims
// set as encoding/json reads them: same accept or refuse, same times.
func FuzzValidityClaims(f *testing.F) {
	for _, c := range claimsCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkSameClaims(t, payload)
	})
}

// FuzzEncryptedResource checks that a resource answer is read as
// encoding/json reads it into kbs.Response.
func FuzzEncryptedResource(f *testing.F) {
	for _, c := range resourceCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSameResource(t, body)
	})
}

// FuzzChallengeAnswer checks that an /auth answer is read as
// encoding/json reads it into kbs.Challenge.
func FuzzChallengeAnswer(f *testing.F) {
	for _, c := range challengeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSameChallenge(t, body)
	})
}

// FuzzAttestationToken checks that the /attest answer is read as
// encoding/json reads it, with or without the fast path.
func FuzzAttestationToken(f *testing.F) {
	f.Add([]byte(`{"token":"aGVhZA.cGF5bG9hZA.c2ln"}`))
	f.Add([]byte(`{"token":"a\u002eb"}`))
	f.Add([]byte(`{"token":"a"}"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := attestationToken(body)
		want, wantErr := jsonToken(body)
		if (err != nil) != (wantErr != nil) || err == nil && got != want {
			t.Fatalf("attestationToken = %q, %v; encoding/json %q, %v", got, err, want, wantErr)
		}
	})
}

// FuzzSessionCookie checks that the session cookie is the one net/http's
// full Set-Cookie parsing finds, and is sent back as AddCookie sends it.
func FuzzSessionCookie(f *testing.F) {
	f.Add("kbs-session-id=abc; Expires=Thu, 26 Nov 2026 21:30:56 GMT", "other=1")
	f.Add(" kbs-session-id=\"abc\" ;x", "kbs-session-id=")
	f.Fuzz(func(t *testing.T, first, second string) {
		h := http.Header{"Set-Cookie": {first, second}}
		got, want := sessionCookie(h), sessionCookieViaResponse(h)
		if got != want {
			t.Fatalf("sessionCookie = %q, net/http %q", got, want)
		}
		for _, id := range []string{got, first} {
			req := &http.Request{Header: http.Header{}}
			req.AddCookie(&http.Cookie{Name: "kbs-session-id", Value: id})
			if header := sessionCookieHeader(id); header != req.Header.Get("Cookie") {
				t.Fatalf("sessionCookieHeader(%q) = %q, AddCookie writes %q", id, header, req.Header.Get("Cookie"))
			}
		}
	})
}
