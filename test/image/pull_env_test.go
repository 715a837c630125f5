package image

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	guestimage "github.com/cocoon-cc/cocoon/internal/guest/image"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// imageName is a docker:// reference without its transport, as PullImage
// takes it.
func imageName(ref string) string { return strings.TrimPrefix(ref, "docker://") }

// insecureRegistry is the registry configuration that lets the guest
// reach a plain-HTTP test registry.
func insecureRegistry(reg *imagetest.Registry) *guestimage.RegistryConfig {
	return &guestimage.RegistryConfig{Registry: []guestimage.Registry{{Location: reg.Host, Insecure: true}}}
}

// newPuller is the guest puller over reg with cfg's policy settings.
func newPuller(t testing.TB, reg *imagetest.Registry, cfg guestimage.Config, opts guestimage.Options) *guestimage.Puller {
	t.Helper()
	if cfg.WorkDir == "" {
		cfg.WorkDir = t.TempDir()
	}
	cfg.RegistryConfig = insecureRegistry(reg)
	p, err := guestimage.NewPuller(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkRootfs compares the unpacked rootfs with the image's files and
// symlinks, byte for byte.
func checkRootfs(t *testing.T, bundle string, img *imagetest.Image) {
	t.Helper()
	rootfs := filepath.Join(bundle, "rootfs")
	for name, want := range img.Files {
		got, err := os.ReadFile(filepath.Join(rootfs, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the image's file (%d bytes, want %d)", name, len(got), len(want))
		}
	}
	for name, want := range img.Symlinks {
		if got, err := os.Readlink(filepath.Join(rootfs, name)); err != nil || got != want {
			t.Errorf("symlink %s -> %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(bundle, "config.json")); err != nil {
		t.Errorf("config.json: %v", err)
	}
}

// checkNothingUnpacked asserts a failed pull left the bundle empty.
func checkNothingUnpacked(t *testing.T, bundle string) {
	t.Helper()
	entries, err := os.ReadDir(bundle)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("a refused pull left %v in the bundle", names)
	}
}

// sampleTokens is the attestation-agent of the test guest: each token is
// a real RCAR with the sample attester against the KBS.
type sampleTokens struct{ client *kbsclient.Client }

func newSampleTokens(t testing.TB, url string, opts ...kbsclient.Option) *sampleTokens {
	t.Helper()
	c, err := kbsclient.New(url, append([]kbsclient.Option{kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &sampleTokens{client: c}
}

func (s *sampleTokens) Token(ctx context.Context) (string, *kbs.TeeKeyPair, error) {
	token, err := s.client.Attest(ctx)
	return token, s.client.TeeKeyPair(), err
}

// startCDH serves a real CDH (KBS resources with tokens from tokens) on a
// unix socket and returns its PullImage client.
func startCDH(t *testing.T, kbsURL string, tokens cdh.TokenProvider, image *cdh.ImageConfig, aaSocket string) cdhapi.ImagePullServiceService {
	t.Helper()
	resources, err := cdh.NewKBS(kbsURL, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := cdh.NewService(cdh.ServiceOptions{Resources: resources, Image: image, AASocket: aaSocket})
	dir, err := os.MkdirTemp("", "cdh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	l, err := cdh.Listen("unix://" + filepath.Join(dir, "cdh.sock"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cdh.Serve(ctx, l, svc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("CDH Serve: %v", err)
		}
	})
	conn, err := net.Dial("unix", filepath.Join(dir, "cdh.sock"))
	if err != nil {
		t.Fatal(err)
	}
	client := ttrpc.NewClient(conn)
	t.Cleanup(func() { _ = client.Close() })
	return cdhapi.NewImagePullServiceClient(client)
}

// cdhRegistryConfig is insecureRegistry in cdh.toml's shape.
func cdhRegistryConfig(reg *imagetest.Registry) *cdh.RegistryConfig {
	return &cdh.RegistryConfig{Registry: []cdh.Registry{{Location: reg.Host, Insecure: true}}}
}
