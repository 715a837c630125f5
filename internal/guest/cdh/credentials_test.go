package cdh

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

func TestFetchCredentials(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	tr.SetResource(t, "default/aliyun/ecs_ram_role", []byte(`{"ecs_ram_role_name":"r"}`))
	tr.SetResource(t, "default/test/file", []byte("file content"))
	k, err := NewKBS(tr.URL, "", &attestingTokens{client: tr.Client(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "kbs")
	creds := []Credential{
		{ResourceURI: "kbs:///default/aliyun/ecs_ram_role", Path: dir + "/kms-credential/aliyun/ecsRamRole.json"},
		{ResourceURI: "kbs:///default/test/file", Path: dir + "/test/file"},
	}
	if err := FetchCredentials(context.Background(), creds, dir, k, slog0()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{creds[0].Path, `{"ecs_ram_role_name":"r"}`}, {creds[1].Path, "file content"},
	} {
		got, err := os.ReadFile(c.path)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %q %v", c.path, got, err)
		}
	}
	// A missing resource stops the start.
	missing := []Credential{{ResourceURI: "kbs:///default/test/absent", Path: dir + "/absent"}}
	if err := FetchCredentials(context.Background(), missing, dir, k, slog0()); err == nil {
		t.Fatal("a missing credential did not fail")
	}
}

func TestCredentialsCannotEscapeTheirDirectory(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "kbs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A link planted inside the directory points outside it.
	if err := os.Symlink(parent, filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	res := offlineFSFrom(t, map[string]string{"default/a/b": "dg=="})
	for _, path := range []string{dir + "/out/x", dir + "/../x", "/etc/x"} {
		err := FetchCredentials(context.Background(), []Credential{{ResourceURI: "kbs:///default/a/b", Path: path}}, dir, res, slog0())
		if err == nil {
			t.Errorf("%s: written", path)
		}
	}
	if _, err := os.Stat(filepath.Join(parent, "x")); err == nil {
		t.Fatal("a credential was written outside its directory")
	}
}

func TestOfflineFSReadsUpstreamKeysFile(t *testing.T) {
	o, err := LoadOfflineFS(SplitExtraFiles(" , " + upstream.Path(t, "guest-components/image-rs/offline-fs-kbc_aa-offline_fs_kbc-keys.json")))
	if err != nil {
		t.Fatal(err)
	}
	uri := mustURI(t, "kbs:///default/key/ssh-demo")
	v, err := o.GetResource(context.Background(), uri)
	if err != nil || len(v) != 32 {
		t.Fatalf("ssh-demo key: %d bytes, %v", len(v), err)
	}
	if _, err := o.GetResource(context.Background(), mustURI(t, "kbs:///default/key/none")); err == nil {
		t.Fatal("unknown key found")
	}
	if _, err := o.GetResource(context.Background(), mustURI(t, "kbs+pkcs11:///default/key/2")); err == nil {
		t.Fatal("plugin URI served")
	}
}
