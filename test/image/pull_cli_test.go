package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// cocoon-image pull runs the guest pull outside a guest: it prints the
// manifest digest and unpacks the rootfs; under a policy that refuses the
// image it fails with the reason and unpacks nothing.
func TestCocoonImagePull(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	img := testImage(t)
	ref := imagetest.NewSkopeo(t).Push(t, img, reg.Ref("app", "cli"))
	dir := t.TempDir()
	registries := filepath.Join(dir, "registries.toml")
	if err := os.WriteFile(registries, []byte("[[registry]]\nlocation = \""+reg.Host+"\"\ninsecure = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle")
	out := imagetest.CocoonImage(t, bin["cocoon-image"], nil, "pull", "--registry-config", registries, "--work-dir", filepath.Join(dir, "work"), ref, bundle)
	if strings.TrimSpace(out) != img.ManifestDigest.String() {
		t.Errorf("printed %q, want %s", out, img.ManifestDigest)
	}
	checkRootfs(t, bundle, img)

	policy := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"reject"}],"transports":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	refused := filepath.Join(dir, "refused")
	out, err := imagetest.CocoonImageResult(bin["cocoon-image"], nil, "pull", "--registry-config", registries, "--policy", policy,
		"--work-dir", filepath.Join(dir, "work"), imageName(ref), refused)
	if err == nil || !strings.Contains(err.Error(), `image rejected by the security policy: reject: the policy is "reject"`) {
		t.Fatalf("pull under a rejecting policy: %v\n%s", err, out)
	}
	checkNothingUnpacked(t, refused)
}
