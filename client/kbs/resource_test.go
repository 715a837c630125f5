package kbs

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/cocoon-cc/cocoon/client/kbs/kbstest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

const resourceURLPath = "/kbs/v0/resource/default/key/1"

func TestGetResourceAttestsOnceAndReusesSession(t *testing.T) {
	srv := kbstest.New(t)
	secret := []byte{0, 1, 2, 0xff, '\n'}
	srv.SetResource("default/key/1", secret)
	c := newTestClient(t, srv)

	for range 2 {
		got, err := c.GetResource(testContext(t), "default/key/1")
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("GetResource = %x, %v; want %x", got, err, secret)
		}
	}
	if got := srv.Count(http.MethodPost, "/kbs/v0/auth"); got != 1 {
		t.Fatalf("%d handshakes, want 1", got)
	}
	for _, r := range srv.Requests() {
		if r.Path == resourceURLPath && r.Header.Get("Authorization") != "" {
			t.Fatal("cookie mode sent an Authorization header")
		}
	}
}

func TestGetResourceWithEveryKeyAlgorithm(t *testing.T) {
	for _, alg := range []string{kbs.KeyAlgorithmP256, kbs.KeyAlgorithmP521, kbs.KeyAlgorithmRSAOAEP256} {
		t.Run(alg, func(t *testing.T) {
			srv := kbstest.New(t)
			srv.SetResource("default/key/1", []byte("s3cret"))
			c := newTestClient(t, srv, WithTeeKeyAlgorithm(alg))
			got, err := c.GetResource(testContext(t), "default/key/1")
			if err != nil || string(got) != "s3cret" {
				t.Fatalf("GetResource = %q, %v", got, err)
			}
		})
	}
}

func TestGetResourceReattestsAfter401(t *testing.T) {
	srv := kbstest.New(t)
	srv.SetResource("default/key/1", []byte("v"))
	c := newTestClient(t, srv)
	if _, err := c.GetResource(testContext(t), "default/key/1"); err != nil {
		t.Fatal(err)
	}
	srv.ExpireSessions()

	got, err := c.GetResource(testContext(t), "default/key/1")
	if err != nil || string(got) != "v" {
		t.Fatalf("GetResource after session loss = %q, %v", got, err)
	}
	if auths, gets := srv.Count(http.MethodPost, "/kbs/v0/auth"), srv.Count(http.MethodGet, resourceURLPath); auths != 2 || gets != 3 {
		t.Fatalf("%d handshakes and %d GETs, want 2 and 3", auths, gets)
	}
}

func TestGetResourceGivesUpAfterThreeDenials(t *testing.T) {
	srv := kbstest.New(t)
	srv.SetResource("default/key/1", []byte("v"))
	srv.DenyResources(true)
	c := newTestClient(t, srv)

	_, err := c.GetResource(testContext(t), "default/key/1")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("GetResource error %v, want ErrUnauthorized", err)
	}
	if want := "kbs: 401 PolicyDeny: Access denied by policy"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if got := srv.Count(http.MethodGet, resourceURLPath); got != getResourceMaxAttempts {
		t.Fatalf("%d GETs, want %d", got, getResourceMaxAttempts)
	}
}

func TestGetResourceNotFound(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv)
	_, err := c.GetResource(testContext(t), "plugin/nosuch/thing")
	var kerr *Error
	if !errors.Is(err, ErrResourceNotFound) || !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrPluginNotFound) {
		t.Fatalf("GetResource error %v, want 404 PluginNotFound", err)
	}
	if errors.Is(err, ErrUnauthorized) {
		t.Fatal("a 404 matched ErrUnauthorized")
	}
}

func TestGetResourcePluginPathAndQuery(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv)
	got, err := c.GetResource(testContext(t), "plugin/echo/credential?name=node1&ip=10.0.0.1%2F24")
	if err != nil {
		t.Fatal(err)
	}
	var echoed map[string]string
	if err := json.Unmarshal(got, &echoed); err != nil {
		t.Fatal(err)
	}
	if echoed["path"] != "credential" || echoed["query"] != "name=node1&ip=10.0.0.1%2F24" {
		t.Fatalf("plugin saw %v", echoed)
	}
}

func TestGetResourceWithToken(t *testing.T) {
	srv := kbstest.New(t)
	srv.SetResource("default/key/1", []byte("passport"))
	c := newTestClient(t, srv)
	token, key, err := c.Token(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.ExpireSessions() // the Bearer token alone must suffice

	got, err := GetResourceWithToken(testContext(t), srv.URL, "default/key/1", token, key)
	if err != nil || string(got) != "passport" {
		t.Fatalf("GetResourceWithToken = %q, %v", got, err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Header.Get("Authorization") != "Bearer "+token || last.Header.Get("Cookie") != "" {
		t.Fatalf("Bearer request headers: Authorization %t, Cookie %q", last.Header.Get("Authorization") != "", last.Header.Get("Cookie"))
	}

	other, err := kbs.GenerateTeeKeyPair("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GetResourceWithToken(testContext(t), srv.URL, "default/key/1", token, other); err == nil {
		t.Fatal("decrypted with a key the token is not bound to")
	}
	_, err = GetResourceWithToken(testContext(t), srv.URL, "default/key/1", token[:len(token)-4]+"AAAA", key)
	var kerr *Error
	if !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrTokenVerifier) {
		t.Fatalf("forged token error %v, want TokenVerifierError", err)
	}
}

func TestGetResourceRejectsBadPathsWithoutSending(t *testing.T) {
	srv := kbstest.New(t)
	c := newTestClient(t, srv)
	for _, p := range []string{"", "a/b", "a/b/c/d", "../b/c", "a/./c", "a/b/.c", "a b/c/d", "plugin/auth/x", "plugin/x", "plugin/x/../y", "a/b/c?%zz", "a/b/c?x y", "a/b/c?x#y"} {
		if _, err := c.GetResource(testContext(t), p); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("GetResource(%q) error %v, want ErrInvalidPath", p, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for invalid paths", n)
	}
}

func TestConcurrentGetResource(t *testing.T) {
	srv := kbstest.New(t)
	srv.SetResource("default/key/1", []byte("v"))
	c := newTestClient(t, srv)
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() {
			got, err := c.GetResource(testContext(t), "default/key/1")
			if err == nil && string(got) != "v" {
				err = errors.New("wrong plaintext")
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
