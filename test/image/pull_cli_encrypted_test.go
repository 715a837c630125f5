package image

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// cocoon-image links the CDH's unwrap code (pull) beside ocicrypt's
// keyprovider package (copy); both once registered a keyprovider.proto
// and the binary panicked before main.
func TestCocoonImageStartsWithCDHAndOcicrypt(t *testing.T) {
	root, err := imagetest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	list := exec.CommandContext(context.Background(), "go", "list", "-deps", "./cmd/cocoon-image")
	list.Dir = root
	deps, err := list.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"github.com/cocoon-cc/cocoon/internal/guest/cdh", "github.com/containers/ocicrypt/utils/keyprovider"} {
		if !bytes.Contains(deps, []byte(pkg+"\n")) {
			t.Errorf("cocoon-image does not link %s; this test no longer shows both start together", pkg)
		}
	}
	if out := imagetest.CocoonImage(t, bin["cocoon-image"], nil, "--help"); !strings.Contains(out, "pull") {
		t.Errorf("--help:\n%s", out)
	}
}

// A three-layer image encrypted through coco-keyprovider for one keyid,
// without keypath (so the key provider makes the KEK and registers it in
// Trustee), is pulled by cocoon-image pull: every layer decrypts with the
// KEK an attested client gets, and the rootfs equals the image's files.
// Without --kbs the pull fails, says why, and unpacks nothing.
func TestCocoonImagePullEncryptedLayers(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	img := imagetest.BuildImage(t, imagetest.BusyboxLayer(t),
		imagetest.DataLayer(map[string][]byte{"data/one.txt": []byte("first data layer\n")}),
		imagetest.DataLayer(map[string][]byte{"data/two/key": bytes.Repeat([]byte{0x5A}, 8192)}))
	plain := imagetest.NewSkopeo(t).Push(t, img, reg.Ref("app", "plain"))
	tr := imagetest.StartTrustee(t, bin["trustee"], true)
	kp := imagetest.StartKeyProvider(t, bin["coco-keyprovider"], tr)
	encrypted := reg.Ref("app", "encrypted")
	imagetest.CocoonImage(t, bin["cocoon-image"], kp.Env(), "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
		"--encryption-key", "provider:attestation-agent:keyid=kbs:///default/key/layers::algorithm=A256GCM", plain, encrypted)
	raw, m := imagetest.NewSkopeo(t).InspectRaw(t, encrypted)
	if len(m.Layers) != 3 {
		t.Fatalf("manifest has %d layers, want 3", len(m.Layers))
	}
	for i, l := range m.Layers {
		if l.MediaType != encryptedGzip || decodePacket(t, l.Annotations[packetAnnotation]).Kid != "kbs:///default/key/layers" {
			t.Fatalf("layer %d: %s, packet %q", i, l.MediaType, l.Annotations[packetAnnotation])
		}
	}

	dir := t.TempDir()
	registries := filepath.Join(dir, "registries.toml")
	if err := os.WriteFile(registries, []byte("[[registry]]\nlocation = \""+reg.Host+"\"\ninsecure = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noKBS := filepath.Join(dir, "no-kbs")
	out, err := imagetest.CocoonImageResult(bin["cocoon-image"], nil, "pull", "-q", "--registry-config", registries,
		"--work-dir", filepath.Join(dir, "work-no-kbs"), imageName(encrypted), noKBS)
	if err == nil || !strings.Contains(err.Error(), "give --kbs") {
		t.Fatalf("pull without --kbs: %v\n%s", err, out)
	}
	checkNothingUnpacked(t, noKBS)

	bundle := filepath.Join(dir, "bundle")
	out = imagetest.CocoonImage(t, bin["cocoon-image"], nil, "pull", "-q", "--registry-config", registries, "--kbs", tr.URL,
		"--work-dir", filepath.Join(dir, "work"), imageName(encrypted), bundle)
	if got := strings.TrimSpace(out); got != digestOf(raw) {
		t.Errorf("printed %q, the registry's manifest is %s", got, digestOf(raw))
	}
	checkRootfs(t, bundle, img)
}
