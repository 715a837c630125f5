package keyprovider

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// ocicrypt calls WrapKey once per layer. Every layer of a multi-layer
// image wrapped for one keyid without keypath must stay decryptable with
// the one KEK Trustee holds at that keyid, layers wrapped concurrently
// too (before the fix each call registered a fresh KEK at the same path
// and only the last layer could be unwrapped).
func TestLayersOfOneKeyIDShareOneKEK(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	svc := NewService(KBSRegistrar{Admin: tr.Admin(t)}, nil)
	const layers = 4
	opts := make([][]byte, layers)
	packets := make([][]byte, layers)
	errs := make([]error, layers)
	var wg sync.WaitGroup
	for i := range layers {
		opts[i] = layerOptions(t)
		request := ocicryptRequest(t, "keyid=kbs:///default/key/image::algorithm=A256GCM", opts[i])
		wg.Go(func() {
			var reply []byte
			reply, errs[i] = svc.WrapKey(context.Background(), request)
			if errs[i] == nil {
				packets[i] = decodeReply(t, reply)
			}
		})
	}
	wg.Wait()
	for i := range layers {
		if errs[i] != nil {
			t.Fatalf("layer %d: %v", i, errs[i])
		}
		parsed, err := cdh.ParseAnnotationPacket(packets[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := parsed.Unwrap(context.Background(), trusteeResources{t, tr})
		if err != nil {
			t.Errorf("layer %d cannot be unwrapped with the KEK Trustee holds: %v", i, err)
		} else if !bytes.Equal(got, opts[i]) {
			t.Errorf("layer %d unwrapped to other options", i)
		}
	}
}

// A process never replaces a KEK it registered: a keypath KEK that
// differs from the one already registered at the same keyid is refused,
// the same one is accepted, and a later layer without keypath reuses it.
func TestKeyIDKeepsItsFirstKEK(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	svc := NewService(KBSRegistrar{Admin: tr.Admin(t)}, nil)
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	if err := os.WriteFile(first, bytes.Repeat([]byte{1}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, bytes.Repeat([]byte{2}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	wrap := func(params string) error {
		_, err := svc.WrapKey(context.Background(), ocicryptRequest(t, params, layerOptions(t)))
		return err
	}
	if err := wrap("keyid=kbs:///default/key/kept::keypath=" + first); err != nil {
		t.Fatal(err)
	}
	if err := wrap("keyid=kbs:///default/key/kept::keypath=" + first); err != nil {
		t.Fatalf("the same keypath KEK again: %v", err)
	}
	if err := wrap("keyid=kbs:///default/key/kept"); err != nil {
		t.Fatalf("no keypath after a registered keypath KEK: %v", err)
	}
	err := wrap("keyid=kbs:///default/key/kept::keypath=" + second)
	if err == nil || !strings.Contains(err.Error(), "another KEK") {
		t.Fatalf("a different keypath KEK for a registered keyid: %v, want a refusal", err)
	}
	stored, err := tr.Client(t).GetResource(context.Background(), "default/key/kept")
	if err != nil || !bytes.Equal(stored, bytes.Repeat([]byte{1}, 32)) {
		t.Fatalf("Trustee holds %x (%v), want the first KEK", stored, err)
	}
}
