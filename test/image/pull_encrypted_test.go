package image

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/ttrpc"
	"github.com/opencontainers/go-digest"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/attester/attestertest"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/test/image/imagetest"
)

// denyKeysPolicy releases everything to the sample TEE but keys.
const denyKeysPolicy = `package policy

default allow := false

allow if {
	data.plugin == "resource"
	data["resource-path"][1] != "key"
}
`

// encryptedImage is testImage encrypted by cocoon-image copy through a
// running coco-keyprovider, which registered its KEK at keyPath in the
// running trustee.
type encryptedImage struct {
	reg     *imagetest.Registry
	img     *imagetest.Image
	ref     string
	digest  digest.Digest
	trustee *imagetest.Trustee
	keyPath string
}

func newEncryptedImage(t *testing.T) *encryptedImage {
	t.Helper()
	e := &encryptedImage{reg: imagetest.StartRegistry(t), img: testImage(t), keyPath: "default/key/pull"}
	plain := imagetest.NewSkopeo(t).Push(t, e.img, e.reg.Ref("app", "plain"))
	e.trustee = imagetest.StartTrustee(t, bin["trustee"], true)
	kp := imagetest.StartKeyProvider(t, bin["coco-keyprovider"], e.trustee)
	e.ref = e.reg.Ref("app", "encrypted")
	// A KEK the tenant keeps (keypath); pull_cli_encrypted_test.go covers
	// the KEK the key provider makes.
	kek := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(kek, []byte(strings.Repeat("k", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := imagetest.CocoonImage(t, bin["cocoon-image"], kp.Env(), "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
		"--encryption-key", "provider:attestation-agent:keyid=kbs:///"+e.keyPath+"::keypath="+kek+"::algorithm=A256GCM", plain, e.ref)
	e.digest = digest.Digest(strings.TrimSpace(out))
	_, m := imagetest.NewSkopeo(t).InspectRaw(t, e.ref)
	for i, l := range m.Layers {
		if l.MediaType != encryptedGzip {
			t.Fatalf("layer %d is %s, not encrypted", i, l.MediaType)
		}
	}
	return e
}

// The guest pulls the encrypted image through a real CDH whose KBS is the
// trustee holding the key: the rootfs equals the original files, and the
// pull is recorded in the attestation-agent's event log.
func TestPullEncryptedThroughCDH(t *testing.T) {
	e := newEncryptedImage(t)
	aaSocket, eventLog := startMeasuringAA(t)
	images := startCDH(t, e.trustee.URL, newSampleTokens(t, e.trustee.URL),
		&cdh.ImageConfig{WorkDir: t.TempDir(), RegistryConfig: cdhRegistryConfig(e.reg)}, aaSocket)
	bundle := t.TempDir()
	resp, err := images.PullImage(context.Background(), &cdhapi.ImagePullRequest{ImageUrl: imageName(e.ref), BundlePath: bundle})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ManifestDigest != e.digest.String() {
		t.Errorf("PullImage answered %s, the registry's manifest is %s", resp.ManifestDigest, e.digest)
	}
	checkRootfs(t, bundle, e.img)
	log, err := os.ReadFile(eventLog)
	if err != nil {
		t.Fatal(err)
	}
	want := `github.com/confidential-containers PullImage {"image":"` + imageName(e.ref) + `", "digest":"` + e.digest.String() + `"}`
	if !strings.Contains(string(log), want) {
		t.Errorf("the AAEL does not hold %q", want)
	}
}

// A Trustee without the key, or whose resource policy refuses it: the
// pull fails with the KBS's reason and nothing is unpacked.
func TestPullEncryptedRefusedByTrustee(t *testing.T) {
	e := newEncryptedImage(t)
	kek, err := e.trustee.GetResource(context.Background(), e.keyPath)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		trustee *trusteetest.Trustee
		want    string
	}{
		"key not registered": {trusteetest.New(t, trusteetest.WithSampleTEE()), "not found: resource default/key/pull"},
		"policy refuses":     {trusteetest.New(t, trusteetest.WithSampleTEE(), trusteetest.WithResourcePolicy(denyKeysPolicy)), "PolicyDeny"},
	}
	cases["policy refuses"].trustee.SetResource(t, e.keyPath, kek)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			images := startCDH(t, c.trustee.URL, &sampleTokens{client: c.trustee.Client(t)},
				&cdh.ImageConfig{WorkDir: t.TempDir(), RegistryConfig: cdhRegistryConfig(e.reg)}, "")
			bundle := filepath.Join(t.TempDir(), "bundle")
			_, err := images.PullImage(context.Background(), &cdhapi.ImagePullRequest{ImageUrl: imageName(e.ref), BundlePath: bundle})
			if err == nil || !strings.Contains(err.Error(), "layer decryption") || !strings.Contains(err.Error(), "get KEK kbs:///"+e.keyPath) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a decryption error naming the KEK and %q", err, c.want)
			}
			checkNothingUnpacked(t, bundle)
		})
	}
}

// startMeasuringAA serves a real attestation-agent with its event log
// enabled over a measuring test TEE, and returns its socket address and
// event log file.
func startMeasuringAA(t *testing.T) (string, string) {
	t.Helper()
	cfg := aa.DefaultConfig()
	cfg.EventlogConfig.EnableEventlog = true
	dir, err := os.MkdirTemp("", "aa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	logCfg := eventlog.Config{Path: filepath.Join(dir, "eventlog"), WALPath: filepath.Join(dir, ".wal")}
	agent, err := aa.New(context.Background(), aa.Options{Config: cfg, Primary: attestertest.NewMeasured(), EventLog: logCfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agent.Close() })
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	aa.NewService(agent).RegisterTTRPC(srv)
	socket := filepath.Join(dir, "aa.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(context.Background(), l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil && !errors.Is(err, ttrpc.ErrServerClosed) {
			t.Errorf("AA server close: %v", err)
		}
	})
	return "unix://" + socket, logCfg.Path
}
