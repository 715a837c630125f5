package kbs

import (
	"net/http"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/client/kbs/kbstest"
)

const testTokenTTL = 5 * time.Minute

func TestTokenIsCachedUntilShortlyBeforeExpiry(t *testing.T) {
	srv := kbstest.New(t, kbstest.WithTokenTTL(testTokenTTL))
	c := newTestClient(t, srv)
	start := time.Now()

	first, key, err := c.Token(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if key != c.TeeKeyPair() {
		t.Fatal("Token returned a key other than the client's")
	}
	c.now = func() time.Time { return start.Add(testTokenTTL / 2) }
	second, _, err := c.Token(testContext(t))
	if err != nil || second != first {
		t.Fatalf("mid-life Token = new token %t, %v; want the cached one", second != first, err)
	}
	if got := srv.Count(http.MethodPost, "/kbs/v0/auth"); got != 1 {
		t.Fatalf("%d handshakes for a cached token, want 1", got)
	}

	c.now = func() time.Time { return start.Add(testTokenTTL - tokenRefreshMargin/2) }
	if _, _, err := c.Token(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Count(http.MethodPost, "/kbs/v0/auth"); got != 2 {
		t.Fatalf("%d handshakes near expiry, want 2", got)
	}
}

func TestTokenNotUsedBeforeNotBefore(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv)
	if _, _, err := c.Token(testContext(t)); err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return time.Now().Add(-time.Hour) }
	if _, _, err := c.Token(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Count(http.MethodPost, "/kbs/v0/auth"); got != 2 {
		t.Fatalf("%d handshakes, want 2: a token before its nbf must not be reused", got)
	}
}

func TestParseCachedToken(t *testing.T) {
	// header {"alg":"none"}; payloads hand-written.
	const header = "eyJhbGciOiJub25lIn0"
	cases := []struct {
		name    string
		payload string // base64url
		wantErr bool
		usable  bool
	}{
		{"exp in far future", "eyJleHAiOjQxMDI0NDQ4MDB9", false, true},                     // {"exp":4102444800}
		{"no exp", "eyJmb28iOjF9", false, false},                                           // {"foo":1}
		{"exp is a string", "eyJleHAiOiJ0b21vcnJvdyJ9", true, false},                       // {"exp":"tomorrow"}
		{"payload not JSON", "bm90IGpzb24", true, false},                                   // not json
		{"nbf in future", "eyJleHAiOjQxMDI0NDQ4MDAsIm5iZiI6NDEwMjQ0NDcwMH0", false, false}, // exp 4102444800, nbf 4102444700
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := parseCachedToken(header + "." + tc.payload + ".sig")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %t", err, tc.wantErr)
			}
			if err == nil && tok.usableAt(time.Now()) != tc.usable {
				t.Fatalf("usable = %t, want %t", !tc.usable, tc.usable)
			}
		})
	}
	if _, err := parseCachedToken("not-a-jwt"); err == nil {
		t.Fatal("accepted a string that is not a JWT")
	}
}
