package cdh

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/internal/guest/image"
)

func TestPullImageRefusals(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	_, err := e.images.PullImage(ctx, &cdhapi.ImagePullRequest{ImageUrl: "busybox"})
	wantStatus(t, err, codes.Internal, "[CDH] [ERROR]: image_url and bundle_path are required")
	_, err = e.images.PullImage(ctx, &cdhapi.ImagePullRequest{BundlePath: t.TempDir()})
	wantStatus(t, err, codes.Internal, "image_url and bundle_path are required")
}

// A registry that is not there fails the pull with its cause and leaves
// the bundle empty.
func TestPullImageUnreachableRegistry(t *testing.T) {
	work, bundle := t.TempDir(), t.TempDir()
	svc := NewService(ServiceOptions{Resources: offlineFSFrom(t, map[string]string{}), Image: &ImageConfig{WorkDir: work}})
	_, err := svc.PullImage(context.Background(), &cdhapi.ImagePullRequest{ImageUrl: "127.0.0.1:1/nothing/here:1", BundlePath: bundle})
	wantStatus(t, err, codes.Internal, "[CDH] [ERROR]: pull 127.0.0.1:1/nothing/here:1")
	if entries, _ := os.ReadDir(bundle); len(entries) != 0 {
		t.Fatalf("bundle not empty: %v", entries)
	}
}

func TestImageConfigFromCDHConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
[kbc]
name = "offline_fs_kbc"
[image]
work_dir = "/w"
image_security_policy_uri = "kbs:///default/security-policy/test"
authenticated_registry_credentials_uri = "file:///etc/auth.json"
max_concurrent_layer_downloads_per_image = 5
[image.registry_config]
unqualified-search-registries = ["r.io"]
[[image.registry_config.registry]]
prefix = "a.io"
location = "b.io"
insecure = true
[[image.registry_config.registry.mirror]]
location = "m.io"
`), "toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := toImageConfig(cfg.Image)
	if err != nil {
		t.Fatal(err)
	}
	if got.WorkDir != "/w" || got.PolicyURI != "kbs:///default/security-policy/test" || got.CredentialsURI != "file:///etc/auth.json" || got.MaxConcurrentDownloads != 5 {
		t.Fatalf("config = %+v", got)
	}
	cands, err := got.RegistryConfig.Candidates("a.io/x:1")
	if err != nil || len(cands) != 2 || cands[0].Ref.String() != "m.io/x:1" || !cands[1].Insecure || cands[1].Ref.String() != "b.io/x:1" {
		t.Fatalf("candidates = %v, %v", cands, err)
	}
	bad := &ImageConfig{RegistryConfig: &RegistryConfig{Registry: []Registry{{Insecure: true}}}}
	if _, err := toImageConfig(bad); !errors.Is(err, image.ErrRegistryConfig) {
		t.Fatalf("invalid inline registry config: %v", err)
	}
}

func TestPullEventContentIsUpstreams(t *testing.T) {
	got := pullEventContent(`quay.io/a/b:"1"`, "sha256:00")
	if got != `{"image":"quay.io/a/b:\"1\"", "digest":"sha256:00"}` {
		t.Fatalf("content = %s", got)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
}

// Without an attestation-agent socket the pull is not measured, and that
// is only a warning.
func TestMeasurerWithoutSocketIsQuiet(t *testing.T) {
	m := &aaMeasurer{socket: "unix://" + filepath.Join(t.TempDir(), "absent.sock"), log: slog0()}
	m.pulled(context.Background(), "a", "sha256:00")
}
