package image

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func FuzzParsePolicy(f *testing.F) {
	f.Add(upstream.Read(f, "guest-components/image-rs/signature_policy.json"))
	f.Add(upstream.Read(f, "guest-components/sample_kbc/policy.json"))
	f.Add([]byte(`{"default":[{"type":"sigstoreSigned","keyData":"k","signedIdentity":{"type":"exactRepository","dockerRepository":"a.io/b"}}],"transports":{"docker":{"":[{"type":"reject"}]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if err != nil {
			return
		}
		named := mustNamed(t, "quay.io/kata-containers/confidential-containers:signed")
		if len(p.RequirementsFor(named)) == 0 {
			t.Fatal("a valid policy gave no requirements")
		}
	})
}

func FuzzParseRegistryConfig(f *testing.F) {
	f.Add(upstream.Read(f, "guest-components/image-rs/registry-configuration.toml"), "mirror-test.com/a:1")
	f.Add([]byte("[[registry]]\nprefix = \"*.x.io\"\nlocation = \"y.io\"\n"), "a.x.io/b")
	f.Fuzz(func(t *testing.T, b []byte, image string) {
		c, err := ParseRegistryConfig(b)
		if err != nil {
			return
		}
		cands, err := c.Candidates(image)
		if err == nil && len(cands) == 0 {
			t.Fatal("no candidate and no error")
		}
	})
}

func FuzzParseSigstoreConfigAndCredentials(f *testing.F) {
	f.Add(upstream.Read(f, "guest-components/sample_kbc/sigstore_config.yaml"))
	f.Add(upstream.Read(f, "guest-components/sample_kbc/auth.json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseSigstoreConfig(b); err == nil {
			_ = c.store(mustNamed(t, "a.io/b/c:d"))
		}
		if c, err := ParseCredentials(b); err == nil {
			_ = c.For(mustNamed(t, "a.io/b/c:d"))
		}
	})
}

// FuzzUnpackPaths unpacks layers of fuzzed names and link targets and
// checks nothing outside the root changed.
func FuzzUnpackPaths(f *testing.F) {
	f.Add("a/b", "../x", byte(tar.TypeSymlink), "a/b/c", byte(tar.TypeReg))
	f.Add("l", "/../../", byte(tar.TypeSymlink), "l/outside", byte(tar.TypeReg))
	f.Add("h", "../outside", byte(tar.TypeLink), ".wh.h", byte(tar.TypeReg))
	f.Add("d/", "", byte(tar.TypeDir), "d/.wh..wh..opq", byte(tar.TypeReg))
	f.Fuzz(func(t *testing.T, name1, link1 string, typ1 byte, name2 string, typ2 byte) {
		parent := t.TempDir()
		outside := filepath.Join(parent, "outside")
		if err := os.WriteFile(outside, []byte("host"), 0o644); err != nil {
			t.Fatal(err)
		}
		rootDir := filepath.Join(parent, "rootfs")
		if err := os.Mkdir(rootDir, 0o755); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(rootDir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range []struct {
			name, link string
			typ        byte
		}{{name1, link1, typ1}, {name2, link1, typ2}} {
			hdr := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644}
			if e.typ == tar.TypeReg {
				hdr.Size = 5
			}
			if tw.WriteHeader(hdr) != nil {
				return
			}
			if e.typ == tar.TypeReg {
				_, _ = tw.Write([]byte("pwned"))
			}
		}
		_ = tw.Close()
		_ = newUnpacker(root).apply(&buf)
		if b, err := os.ReadFile(outside); err != nil || string(b) != "host" {
			t.Fatalf("outside changed: %q %v", b, err)
		}
		entries, _ := os.ReadDir(parent)
		if len(entries) != 2 {
			t.Fatalf("something was created beside the root: %v", entries)
		}
	})
}
