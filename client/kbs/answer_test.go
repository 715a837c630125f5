package kbs

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestAttestationToken(t *testing.T) {
	cases := []struct {
		body, want string
		wantErr    bool
	}{
		{`{"token":"aGVhZA.cGF5bG9hZA.c2ln"}`, "aGVhZA.cGF5bG9hZA.c2ln", false},
		// Other shapes go through encoding/json and mean the same.
		{` {"token": "a.b.c"}` + "\n", "a.b.c", false},
		{`{"token":"a\u002eb.c"}`, "a.b.c", false},
		{`{"token":"a.b.c","extra":1}`, "a.b.c", false},
		{`{"Token":"a.b.c"}`, "a.b.c", false},
		{`{"token":"a.b.c"}}`, "", true},
		{`{"token":"a\"b"}`, `a"b`, false},
		{`{"token":"a.b.c"`, "", true},
		{`not json`, "", true},
	}
	for _, tc := range cases {
		got, err := attestationToken([]byte(tc.body))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("attestationToken(%s) = %q, %v; want %q, error %t", tc.body, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	cases := []struct {
		lines []string
		want  string
	}{
		{[]string{"kbs-session-id=abc; Expires=Thu, 26 Nov 2026 21:30:56 GMT"}, "abc"},
		{[]string{" kbs-session-id=\"abc\" ;Path=/"}, "abc"},
		{[]string{"kbs-session-id = abc"}, " abc"},
		{[]string{"other=1", "kbs-session-id=def"}, "def"},
		{[]string{"kbs-session-id=", "kbs-session-id=ghi"}, "ghi"},
		{[]string{"KBS-SESSION-ID=abc"}, ""},
		{[]string{"kbs-session-id=a\\b"}, ""},
		{[]string{"kbs-session-id"}, ""},
		{nil, ""},
	}
	for _, tc := range cases {
		h := http.Header{"Set-Cookie": tc.lines}
		if got := sessionCookie(h); got != tc.want {
			t.Errorf("sessionCookie(%q) = %q, want %q", tc.lines, got, tc.want)
		}
		if got := sessionCookieViaResponse(h); got != tc.want {
			t.Errorf("net/http reads %q from %q, want %q", got, tc.lines, tc.want)
		}
	}
}

// sessionCookieViaResponse is the session cookie as net/http's full
// Set-Cookie parsing finds it, the reference for sessionCookie.
func sessionCookieViaResponse(h http.Header) string {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "kbs-session-id" && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// jsonToken is the token of an /attest answer as encoding/json reads it.
func jsonToken(body []byte) (string, error) {
	var answer struct {
		Token string `json:"token"`
	}
	err := json.Unmarshal(body, &answer)
	return answer.Token, err
}
