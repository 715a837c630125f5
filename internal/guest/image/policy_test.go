package image

import (
	"errors"
	"slices"
	"testing"

	"github.com/containers/image/v5/docker/reference"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func mustNamed(t testing.TB, s string) reference.Named {
	t.Helper()
	n, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		t.Fatal(err)
	}
	return reference.TagNameOnly(n)
}

func TestUpstreamPoliciesParse(t *testing.T) {
	p, err := ParsePolicy(upstream.Read(t, "guest-components/image-rs/signature_policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"example.com/playground/app:1":     ReqInsecureAcceptAnything,
		"example.com/hardened/app:1":       ReqSignedBy,
		"registry.access.redhat.com/ubi:9": ReqSignedBy,
		"quay.io/x/y:1":                    ReqReject,
		"docker.io/library/busybox:latest": ReqReject,
		"foo.access.redhat.com/a:1":        ReqSignedBy,
		"other.com/a:1":                    ReqSignedBy,
	} {
		reqs := p.RequirementsFor(mustNamed(t, image))
		if reqs[0].Type != want {
			t.Errorf("%s: %s, want %s", image, reqs[0].Type, want)
		}
	}
	reqs := p.RequirementsFor(mustNamed(t, "foo.access.redhat.com/a:1"))
	if id := reqs[1].SignedIdentity; id == nil || id.Type != IdentityExactReference || id.DockerReference != "docker.io/example/busybox:latest" {
		t.Errorf("*.access.redhat.com identity: %+v", id)
	}

	sample, err := ParsePolicy(upstream.Read(t, "guest-components/sample_kbc/policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"quay.io/kata-containers/confidential-containers:cosign-signed": ReqSigstoreSigned,
		"quay.io/kata-containers/confidential-containers:other":         ReqSignedBy,
		"docker.io/library/busybox:latest":                              ReqInsecureAcceptAnything,
	} {
		if got := sample.RequirementsFor(mustNamed(t, image))[0]; got.Type != want {
			t.Errorf("%s: %s, want %s", image, got.Type, want)
		}
	}
}

func TestPolicyNamespacesAsUpstream(t *testing.T) {
	for in, want := range map[string][]string{
		"docker.io/opensuse/leap:15.3":       {"docker.io/opensuse/leap", "docker.io/opensuse", "docker.io", "*.io"},
		"test:5000/library/busybox:latest":   {"test:5000/library/busybox", "test:5000/library", "test:5000"},
		"registry.access.redhat.com/busybox": {"registry.access.redhat.com/busybox", "registry.access.redhat.com", "*.access.redhat.com", "*.redhat.com", "*.com"},
	} {
		if got := policyNamespaces(mustNamed(t, in)); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestPolicyRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":          `{`,
		"no transports":     `{"default":[{"type":"reject"}]}`,
		"no default":        `{"transports":{}}`,
		"empty list":        `{"default":[],"transports":{}}`,
		"unknown type":      `{"default":[{"type":"maybe"}],"transports":{}}`,
		"gpg key type":      `{"default":[{"type":"signedBy","keyType":"X509","keyPath":"/k"}],"transports":{}}`,
		"both keys":         `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","keyData":"aGk="}],"transports":{}}`,
		"no key":            `{"default":[{"type":"sigstoreSigned"}],"transports":{}}`,
		"cosign identity":   `{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"matchExact"}}],"transports":{}}`,
		"unknown identity":  `{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","signedIdentity":{"type":"x"}}],"transports":{}}`,
		"scoped empty list": `{"default":[{"type":"reject"}],"transports":{"docker":{"a.io":[]}}}`,
		"trailing data":     `{"default":[{"type":"reject"}],"transports":{}} {}`,
	} {
		if _, err := ParsePolicy([]byte(doc)); !errors.Is(err, ErrPolicy) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The cases of image-rs's ref_match test, plus a few of ours.
func TestIdentityMatching(t *testing.T) {
	digested := "docker.io/example/busybox@sha256:" + hex64
	cases := []struct {
		id     Identity
		origin string
		signed string
		ok     bool
	}{
		{Identity{Type: IdentityMatchExact}, "docker.io/example/busybox:latest", "docker.io/example/busybox:latest", true},
		{Identity{Type: IdentityMatchRepoDigestOrExact}, "docker.io/example/busybox:latest", "docker.io/example/busybox:latest", true},
		{Identity{Type: IdentityMatchRepoDigestOrExact}, digested, "docker.io/example/busybox:tag", true},
		{Identity{Type: IdentityMatchRepository}, "docker.io/example/busybox:latest", "docker.io/example/busybox:tag", true},
		{Identity{Type: IdentityExactReference, DockerReference: "docker.io/mylib/busybox:latest"}, "docker.io/example/busybox:latest", "docker.io/mylib/busybox:latest", true},
		{Identity{Type: IdentityExactRepository, DockerRepository: "docker.io/mylib/busybox"}, "docker.io/example/busybox:latest", "docker.io/mylib/busybox:tag", true},
		{Identity{Type: IdentityRemapIdentity, Prefix: "docker.io", SignedPrefix: "quay.io"}, "docker.io/example/busybox:latest", "quay.io/example/busybox:latest", true},
		{Identity{Type: IdentityMatchExact}, "docker.io/example/busybox:latest", "docker.io/example/busybox:tag", false},
		{Identity{Type: IdentityMatchExact}, digested, digested, false},
		{Identity{Type: IdentityMatchRepoDigestOrExact}, "docker.io/example/busybox:latest", "docker.io/example/busybox:tag", false},
		{Identity{Type: IdentityExactReference, DockerReference: "docker.io/mylib/busybox:latest"}, "docker.io/example/busybox:latest", "docker.io/example/busybox:latest", false},
		{Identity{Type: IdentityMatchRepository}, "docker.io/example/busybox:latest", "docker.io/example/other:latest", false},
		{Identity{Type: IdentityMatchRepository}, "docker.io/example/busybox:latest", "not a reference", false},
	}
	for _, c := range cases {
		origin, err := reference.ParseNormalizedNamed(c.origin)
		if err != nil {
			t.Fatal(err)
		}
		err = c.id.matches(origin, c.signed)
		if (err == nil) != c.ok {
			t.Errorf("%s %s vs %s: %v, want ok=%v", c.id.Type, c.origin, c.signed, err, c.ok)
		}
	}
}

func TestCredentialsMatching(t *testing.T) {
	c, err := ParseCredentials(upstream.Read(t, "guest-components/sample_kbc/auth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a := c.For(mustNamed(t, "quay.io/kata-containers/x")); a.Username != "liudalibj" {
		t.Errorf("quay.io: %+v", a)
	}
	if a := c.For(mustNamed(t, "busybox")); a.Username != "liudalibj" {
		t.Errorf("docker.io: %+v", a)
	}
	if a := c.For(mustNamed(t, "ghcr.io/x")); a.Username != "" {
		t.Errorf("ghcr.io should be anonymous: %+v", a)
	}
	c, err = ParseCredentials([]byte(`{"auths":{"https://index.docker.io/v1/":{"auth":"YTpi"},"r.io/team":{"auth":"Yzpk"},"r.io":{"auth":"ZTpm"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for image, user := range map[string]string{"busybox": "a", "r.io/team/app": "c", "r.io/other/app": "e"} {
		if a := c.For(mustNamed(t, image)); a.Username != user {
			t.Errorf("%s: %q, want %q", image, a.Username, user)
		}
	}
	for _, bad := range []string{`{`, `{"auths":{"a":{"auth":"!!"}}}`, `{"auths":{"a":{"auth":"bm9jb2xvbg=="}}}`} {
		if _, err := ParseCredentials([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestSigstoreConfigScopes(t *testing.T) {
	c, err := ParseSigstoreConfig(upstream.Read(t, "guest-components/sample_kbc/sigstore_config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.store(mustNamed(t, "quay.io/kata-containers/confidential-containers:signed")); s != "file:///etc/containers/quay_verification/signatures" {
		t.Errorf("store = %q", s)
	}
	if s := c.store(mustNamed(t, "quay.io/other:1")); s != "" {
		t.Errorf("unconfigured store = %q", s)
	}
	if _, err := ParseSigstoreConfig([]byte("docker:\n  a.io:\n    unknown: 1\n")); err == nil {
		t.Error("unknown key accepted")
	}
}
