package kbs_test

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

const resourceURLPath = "/kbs/v0/resource/default/key/1"

// newSampleTrustee is a Trustee that releases default/key/1 = secret to
// the sample TEE.
func newSampleTrustee(t testing.TB, secret []byte) *trusteetest.Trustee {
	t.Helper()
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	tr.SetResource(t, "default/key/1", secret)
	return tr
}

func TestGetResourceAttestsOnceAndReusesSession(t *testing.T) {
	secret := []byte{0, 1, 2, 0xff, '\n'}
	tr := newSampleTrustee(t, secret)
	c := newTestClient(t, tr)

	for range 2 {
		got, err := c.GetResource(testContext(t), "default/key/1")
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("GetResource = %x, %v; want %x", got, err, secret)
		}
	}
	if got := tr.Count(http.MethodPost, "/kbs/v0/auth"); got != 1 {
		t.Fatalf("%d handshakes, want 1", got)
	}
	for _, ex := range tr.Requests() {
		if ex.Method == http.MethodGet && ex.Path == resourceURLPath && ex.Header.Get("Authorization") != "" {
			t.Fatal("cookie mode sent an Authorization header")
		}
	}
}

func TestGetResourceWithEveryKeyAlgorithm(t *testing.T) {
	tr := newSampleTrustee(t, []byte("s3cret"))
	for _, alg := range []string{kbs.KeyAlgorithmP256, kbs.KeyAlgorithmP521, kbs.KeyAlgorithmRSAOAEP256} {
		t.Run(alg, func(t *testing.T) {
			c := newTestClient(t, tr, kbsclient.WithTeeKeyAlgorithm(alg))
			got, err := c.GetResource(testContext(t), "default/key/1")
			if err != nil || string(got) != "s3cret" {
				t.Fatalf("GetResource = %q, %v", got, err)
			}
		})
	}
}

func TestGetResourceReattestsAfter401(t *testing.T) {
	tr := newSampleTrustee(t, []byte("v"))
	c := newTestClient(t, tr)
	if _, err := c.GetResource(testContext(t), "default/key/1"); err != nil {
		t.Fatal(err)
	}
	tr.ExpireSessions(t)

	got, err := c.GetResource(testContext(t), "default/key/1")
	if err != nil || string(got) != "v" {
		t.Fatalf("GetResource after session loss = %q, %v", got, err)
	}
	if auths, gets := tr.Count(http.MethodPost, "/kbs/v0/auth"), tr.Count(http.MethodGet, resourceURLPath); auths != 2 || gets != 3 {
		t.Fatalf("%d handshakes and %d GETs, want 2 and 3", auths, gets)
	}
}

// The default resource policy refuses the sample TEE.
func TestGetResourceGivesUpAfterThreeDenials(t *testing.T) {
	tr := trusteetest.New(t)
	tr.SetResource(t, "default/key/1", []byte("v"))
	c := newTestClient(t, tr)

	_, err := c.GetResource(testContext(t), "default/key/1")
	if !errors.Is(err, kbsclient.ErrUnauthorized) {
		t.Fatalf("GetResource error %v, want ErrUnauthorized", err)
	}
	if want := "kbs: 401 PolicyDeny: Access denied by policy"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if got := tr.Count(http.MethodGet, resourceURLPath); got != kbsclient.GetResourceMaxAttempts {
		t.Fatalf("%d GETs, want %d", got, kbsclient.GetResourceMaxAttempts)
	}
}

func TestGetResourceNotFound(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr)
	_, err := c.GetResource(testContext(t), "plugin/nosuch/thing")
	var kerr *kbsclient.Error
	if !errors.Is(err, kbsclient.ErrResourceNotFound) || !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrPluginNotFound) {
		t.Fatalf("GetResource error %v, want 404 PluginNotFound", err)
	}
	if errors.Is(err, kbsclient.ErrUnauthorized) {
		t.Fatal("a 404 matched ErrUnauthorized")
	}
}

// A plugin path reaches the server as that plugin's route, the query
// verbatim; the resource plugin serves it.
func TestGetResourcePluginPathAndQuery(t *testing.T) {
	tr := newSampleTrustee(t, []byte("by plugin path"))
	c := newTestClient(t, tr)
	got, err := c.GetResource(testContext(t), "plugin/resource/default/key/1?name=node1&ip=10.0.0.1%2F24")
	if err != nil || string(got) != "by plugin path" {
		t.Fatalf("GetResource = %q, %v", got, err)
	}
	last := tr.LastRequest(t)
	if last.Path != resourceURLPath || last.Query != "name=node1&ip=10.0.0.1%2F24" {
		t.Fatalf("sent path %q query %q", last.Path, last.Query)
	}
}

func TestGetResourceWithToken(t *testing.T) {
	tr := newSampleTrustee(t, []byte("passport"))
	c := newTestClient(t, tr)
	token, key, err := c.Token(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	tr.ExpireSessions(t) // the Bearer token alone must suffice

	got, err := kbsclient.GetResourceWithToken(testContext(t), tr.URL, "default/key/1", token, key)
	if err != nil || string(got) != "passport" {
		t.Fatalf("GetResourceWithToken = %q, %v", got, err)
	}
	last := tr.LastRequest(t)
	if last.Header.Get("Authorization") != "Bearer "+token || last.Header.Get("Cookie") != "" {
		t.Fatalf("Bearer request headers: Authorization %t, Cookie %q", last.Header.Get("Authorization") != "", last.Header.Get("Cookie"))
	}

	other, err := kbs.GenerateTeeKeyPair("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kbsclient.GetResourceWithToken(testContext(t), tr.URL, "default/key/1", token, other); err == nil {
		t.Fatal("decrypted with a key the token is not bound to")
	}
	_, err = kbsclient.GetResourceWithToken(testContext(t), tr.URL, "default/key/1", token[:len(token)-4]+"AAAA", key)
	var kerr *kbsclient.Error
	if !errors.As(err, &kerr) || kerr.Variant() != string(kbs.ErrTokenVerifier) {
		t.Fatalf("forged token error %v, want TokenVerifierError", err)
	}
}

func TestGetResourceRejectsBadPathsWithoutSending(t *testing.T) {
	tr := trusteetest.New(t)
	c := newTestClient(t, tr)
	for _, p := range []string{"", "a/b", "a/b/c/d", "../b/c", "a/./c", "a/b/.c", "a b/c/d", "plugin/auth/x", "plugin/x", "plugin/x/../y", "a/b/c?%zz", "a/b/c?x y", "a/b/c?x#y"} {
		if _, err := c.GetResource(testContext(t), p); !errors.Is(err, kbsclient.ErrInvalidPath) {
			t.Errorf("GetResource(%q) error %v, want ErrInvalidPath", p, err)
		}
	}
	if n := len(tr.Requests()); n != 0 {
		t.Fatalf("%d requests sent for invalid paths", n)
	}
}

func TestConcurrentGetResource(t *testing.T) {
	tr := newSampleTrustee(t, []byte("v"))
	c := newTestClient(t, tr)
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
