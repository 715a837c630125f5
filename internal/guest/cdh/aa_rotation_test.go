package cdh

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// rotatingTrustee is one KBS address in front of a Trustee that can be
// restarted with a new token signing key over the same store, counting
// attestation handshakes.
type rotatingTrustee struct {
	url     string
	store   storage.Store
	backend atomic.Pointer[http.Handler]
	auths   atomic.Int64
}

// newRotatingTrustee starts the first Trustee and returns it too.
func newRotatingTrustee(t *testing.T) (*rotatingTrustee, *trusteetest.Trustee) {
	t.Helper()
	rt := &rotatingTrustee{store: storage.NewMemory()}
	t.Cleanup(func() { _ = rt.store.Close() })
	first := rt.restart(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/kbs/v0/auth" {
			rt.auths.Add(1)
		}
		(*rt.backend.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rt.url = srv.URL
	return rt, first
}

// restart serves from a new Trustee with a fresh token signing key: the
// tokens of the one before are refused.
func (rt *rotatingTrustee) restart(t *testing.T) *trusteetest.Trustee {
	t.Helper()
	tr := trusteetest.New(t, trusteetest.WithSampleTEE(), trusteetest.WithStore(rt.store))
	h := tr.Handler()
	rt.backend.Store(&h)
	return tr
}

func TestRejectedTokenMetadataIsTheAgents(t *testing.T) {
	if rejectedTokenMetadata != aa.RejectedTokenMetadata {
		t.Fatalf("CDH sends %q, the agent reads %q", rejectedTokenMetadata, aa.RejectedTokenMetadata)
	}
}

// After Trustee restarts with a new token key, the agent's cached token is
// refused; the CDH names it to the agent, which attests once again, and
// the same GetResource succeeds.
func TestCDHRecoversFromRotatedTokenKey(t *testing.T) {
	rt, first := newRotatingTrustee(t)
	first.SetResource(t, "default/key/1", []byte("survives rotation"))
	tokens, err := NewAATokens(startAA(t, rt.url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tokens.Close() })
	k, err := NewKBS(rt.url, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	resources := cdhapi.NewGetResourceServiceClient(dial(t, startServer(t, NewService(ServiceOptions{Resources: k}))))
	get := func() {
		t.Helper()
		resp, err := resources.GetResource(t.Context(), &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"})
		if err != nil || string(resp.GetResource()) != "survives rotation" {
			t.Fatalf("GetResource = %q, %v", resp.GetResource(), err)
		}
	}

	get()
	if n := rt.auths.Load(); n != 1 {
		t.Fatalf("%d attestations before the rotation, want 1", n)
	}

	rt.restart(t)
	get()
	if n := rt.auths.Load(); n != 2 {
		t.Fatalf("%d attestations after the rotation, want 2", n)
	}
}
