package cdh

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

func TestTokenRenewedNearExpiry(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	tr.SetResource(t, "default/key/1", []byte("v"))
	tokens := &attestingTokens{client: tr.Client(t)}
	k, err := NewKBS(tr.URL, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := resourceuri.Parse("kbs:///default/key/1")
	ctx := context.Background()
	if _, err := k.GetResource(ctx, uri); err != nil {
		t.Fatal(err)
	}
	if k.current == nil || k.current.until.IsZero() {
		t.Fatal("the token's exp was not read")
	}
	// Just before the refresh point the token is reused, at it a new one is fetched.
	k.now = func() time.Time { return k.current.until.Add(-time.Second) }
	if _, err := k.GetResource(ctx, uri); err != nil || tokens.calls.Load() != 1 {
		t.Fatalf("before the margin: %v, %d token calls", err, tokens.calls.Load())
	}
	until := k.current.until
	k.now = func() time.Time { return until }
	if _, err := k.GetResource(ctx, uri); err != nil || tokens.calls.Load() != 2 {
		t.Fatalf("at the margin: %v, %d token calls", err, tokens.calls.Load())
	}
}

func TestRefreshTimeOfTokensWithoutExp(t *testing.T) {
	if !refreshTime("not a jwt").IsZero() {
		t.Fatal("garbage token got an expiry")
	}
}

func TestNewKBSRejectsBadCert(t *testing.T) {
	if _, err := NewKBS("http://127.0.0.1:1", "not a pem", &attestingTokens{}, nil); err == nil {
		t.Fatal("bad kbs_cert accepted")
	}
	if _, err := NewKBS("http://127.0.0.1:1", "", nil, nil); err == nil {
		t.Fatal("nil provider accepted")
	}
}

func TestCanceledContextWhileWaitingForToken(t *testing.T) {
	k, err := NewKBS("http://127.0.0.1:1", "", &attestingTokens{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k.refresh <- struct{}{} // another caller holds the refresh
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	uri, _ := resourceuri.Parse("kbs:///a/b/c")
	if _, err := k.GetResource(ctx, uri); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestConcurrentCallsShareOneAttestation(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	tr.SetResource(t, "default/key/1", []byte("v"))
	tokens := &attestingTokens{client: tr.Client(t)}
	k, err := NewKBS(tr.URL, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := resourceuri.Parse("kbs:///default/key/1")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := k.GetResource(context.Background(), uri)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := tokens.calls.Load(); n != 1 {
		t.Fatalf("%d attestations for 8 concurrent calls, want 1", n)
	}
}
