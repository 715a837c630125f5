package image

import (
	"errors"
	"slices"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func candidateStrings(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		s := c.Ref.String()
		if c.Insecure {
			s += " (insecure)"
		}
		out = append(out, s)
	}
	return out
}

func TestUpstreamRegistryConfiguration(t *testing.T) {
	c, err := ParseRegistryConfig(upstream.Read(t, "guest-components/image-rs/registry-configuration.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"busybox":                            {"docker.io/library/busybox:latest", "example1.com/busybox:latest"},
		"mirror-test.com/a/b:1":              {"127.0.0.1:5000/a/b:1 (insecure)", "mirror-test.com/a/b:1"},
		"remapping-test.com/a/b:1":           {"127.0.0.1:5000/a/b:1 (insecure)"},
		"127.0.0.1:5000/x/y@sha256:" + hex64: {"127.0.0.1:5000/x/y@sha256:" + hex64 + " (insecure)"},
		"quay.io/x/y":                        {"quay.io/x/y:latest"},
	}
	for in, want := range cases {
		got, err := c.Candidates(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if g := candidateStrings(got); !slices.Equal(g, want) {
			t.Errorf("%s: got %q, want %q", in, g, want)
		}
	}
	if _, err := c.Candidates("example.com/banned/img:1"); !errors.Is(err, ErrBlocked) {
		t.Errorf("blocked prefix: %v", err)
	}
	// A prefix matches whole path components only.
	if got, _ := c.Candidates("example.com/bannedx/img:1"); len(got) != 1 {
		t.Errorf("component boundary: %q", candidateStrings(got))
	}
}

func TestRegistryConfigLongestPrefixAndWildcard(t *testing.T) {
	c, err := ParseRegistryConfig([]byte(`
[[registry]]
prefix = "example.com"
location = "a.example:5000"
[[registry]]
prefix = "example.com/team"
location = "b.example/mirror/team"
[[registry]]
prefix = "*.internal"
insecure = true
[[registry.mirror]]
location = "m.internal:5000"
`))
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string][]string{
		"example.com/team/app:1":   {"b.example/mirror/team/app:1"},
		"example.com/other/app:1":  {"a.example:5000/other/app:1"},
		"reg.corp.internal/app:v2": {"m.internal:5000/app:v2", "reg.corp.internal/app:v2 (insecure)"},
	} {
		got, err := c.Candidates(in)
		if err != nil || !slices.Equal(candidateStrings(got), want) {
			t.Errorf("%s: %q %v, want %q", in, candidateStrings(got), err, want)
		}
	}
}

func TestRegistryConfigRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"not toml":        "[[registry",
		"no prefix":       "[[registry]]\ninsecure = true\n",
		"bad wildcard":    "[[registry]]\nprefix = \"*foo\"\n",
		"duplicate":       "[[registry]]\nprefix = \"a.io\"\n[[registry]]\nlocation = \"a.io\"\n",
		"mirror location": "[[registry]]\nprefix = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n",
		"search path":     "unqualified-search-registries = [\"a.io/x\"]\n",
		"wrong type":      "[[registry]]\nprefix = 3\n",
	} {
		if _, err := ParseRegistryConfig([]byte(doc)); !errors.Is(err, ErrRegistryConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var none *RegistryConfig
	if got, err := none.Candidates("busybox"); err != nil || candidateStrings(got)[0] != "docker.io/library/busybox:latest" {
		t.Errorf("nil config: %q %v", candidateStrings(got), err)
	}
	if _, err := none.Candidates("UPPER/case"); err == nil {
		t.Error("an invalid reference was accepted")
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
