package kbs_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// tokenTTL is the lifetime of the tokens trusteetest's server issues.
const tokenTTL = config.DefaultTokenMinutes * time.Minute

func TestTokenIsCachedUntilShortlyBeforeExpiry(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr)
	start := time.Now()

	first, key, err := c.Token(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if key != c.TeeKeyPair() {
		t.Fatal("Token returned a key other than the client's")
	}
	kbsclient.SetClock(c, func() time.Time { return start.Add(tokenTTL / 2) })
	second, _, err := c.Token(testContext(t))
	if err != nil || second != first {
		t.Fatalf("mid-life Token = new token %t, %v; want the cached one", second != first, err)
	}
	if got := tr.Count(http.MethodPost, "/kbs/v0/auth"); got != 1 {
		t.Fatalf("%d handshakes for a cached token, want 1", got)
	}

	kbsclient.SetClock(c, func() time.Time { return start.Add(tokenTTL - kbsclient.TokenRefreshMargin/2) })
	if _, _, err := c.Token(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if got := tr.Count(http.MethodPost, "/kbs/v0/auth"); got != 2 {
		t.Fatalf("%d handshakes near expiry, want 2", got)
	}
}

// Trustee's EAR tokens carry no nbf, so a scripted KBS issues one that does.
func TestTokenNotUsedBeforeNotBefore(t *testing.T) {
	now := time.Now()
	payload, _ := json.Marshal(map[string]int64{"exp": now.Add(time.Hour).Unix(), "nbf": now.Unix()})
	token := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
	k := newScriptedKBS(t, `{"nonce":"bm9uY2U=","extra-params":""}`, http.StatusOK, `{"token":"`+token+`"}`)
	c, err := kbsclient.New(k.url, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, _, err := c.Token(testContext(t)); err != nil || got != token {
			t.Fatalf("Token = %q, %v", got, err)
		}
	}
	if auths, _ := k.state(); auths != 1 {
		t.Fatalf("%d handshakes for a valid token, want 1", auths)
	}
	kbsclient.SetClock(c, func() time.Time { return now.Add(-time.Hour) })
	if _, _, err := c.Token(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if auths, _ := k.state(); auths != 2 {
		t.Fatalf("%d handshakes, want 2: a token before its nbf must not be reused", auths)
	}
}
