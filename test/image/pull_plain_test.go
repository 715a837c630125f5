package image

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	guestimage "github.com/cocoon-cc/cocoon/internal/guest/image"
	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// An image pushed by Debian's skopeo is pulled by the guest code: the
// rootfs equals the image's files byte for byte, config.json runs its
// command, and a second pull takes every layer from the cache.
func TestPullPlainImage(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	img := testImage(t)
	ref := imagetest.NewSkopeo(t).Push(t, img, reg.Ref("app", "plain"))

	var mu sync.Mutex
	phases := map[guestimage.Phase]int{}
	p := newPuller(t, reg, guestimage.Config{}, guestimage.Options{Progress: func(ev guestimage.ProgressEvent) {
		mu.Lock()
		defer mu.Unlock()
		phases[ev.Phase]++
	}})
	bundle := t.TempDir()
	d, err := p.Pull(context.Background(), imageName(ref), bundle)
	if err != nil {
		t.Fatal(err)
	}
	if d != img.ManifestDigest {
		t.Errorf("digest %s, want %s", d, img.ManifestDigest)
	}
	checkRootfs(t, bundle, img)
	var spec specs.Spec
	b, _ := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err := json.Unmarshal(b, &spec); err != nil || !slices.Equal(spec.Process.Args, []string{"/bin/sh"}) || spec.Root.Path != "rootfs" {
		t.Errorf("config.json: %s %v", b, err)
	}
	if phases[guestimage.PhaseDownloaded] != len(img.Layers) || phases[guestimage.PhaseCached] != 0 {
		t.Errorf("first pull phases %v", phases)
	}

	clear(phases)
	second := t.TempDir()
	if _, err := p.Pull(context.Background(), imageName(ref), second); err != nil {
		t.Fatal(err)
	}
	checkRootfs(t, second, img)
	if phases[guestimage.PhaseCached] != len(img.Layers) || phases[guestimage.PhaseDownloaded] != 0 {
		t.Errorf("second pull phases %v: layers were pulled again", phases)
	}
	// The bundle now holds a rootfs; pulling into it again is refused.
	if _, err := p.Pull(context.Background(), imageName(ref), second); err == nil {
		t.Error("a pull over an existing rootfs succeeded")
	}
}

// A blob whose bytes the registry serves changed is refused, and nothing
// is unpacked.
func TestPullRejectsTamperedLayer(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	img := testImage(t)
	ref := imagetest.NewSkopeo(t).Push(t, img, reg.Ref("app", "tampered"))
	blob := registryBlob(t, reg, img.Layers[1])
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle")
	_, err = newPuller(t, reg, guestimage.Config{}, guestimage.Options{}).Pull(context.Background(), imageName(ref), bundle)
	if !errors.Is(err, guestimage.ErrDigestMismatch) {
		t.Fatalf("got %v, want a digest mismatch", err)
	}
	checkNothingUnpacked(t, bundle)
}

// registryBlob is where docker-registry's filesystem driver stores a blob.
func registryBlob(t *testing.T, reg *imagetest.Registry, d digest.Digest) string {
	t.Helper()
	p := filepath.Join(reg.Dir, "docker/registry/v2/blobs", d.Algorithm().String(), d.Encoded()[:2], d.Encoded(), "data")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("registry blob: %v", err)
	}
	return p
}
