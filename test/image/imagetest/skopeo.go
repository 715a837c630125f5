package imagetest

import (
	"context"
	"encoding/json"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Skopeo runs Debian's skopeo against loopback registries (TLS
// verification off for docker:// names).
type Skopeo struct {
	// RegistriesD is passed as --registries.d when set (lookaside and
	// sigstore-attachment configuration, see WriteRegistriesD).
	RegistriesD string
	// PolicyPath is passed as --policy; "" means --insecure-policy.
	PolicyPath string
	// Env is the environment (GNUPGHOME for --sign-by); nil inherits.
	Env []string
}

// NewSkopeo is a skopeo with no policy and default registries.d.
func NewSkopeo(t testing.TB) *Skopeo {
	t.Helper()
	RequireTools(t, "skopeo")
	return &Skopeo{}
}

// Run runs "skopeo <global flags> args..." and returns its stdout.
func (s *Skopeo) Run(ctx context.Context, args ...string) (string, error) {
	global := []string{"--insecure-policy"}
	if s.PolicyPath != "" {
		global = []string{"--policy", s.PolicyPath}
	}
	if s.RegistriesD != "" {
		global = append(global, "--registries.d", s.RegistriesD)
	}
	return run(ctx, s.Env, "skopeo", append(global, args...)...)
}

// Copy runs skopeo copy src dest with extra flags, TLS verification off.
func (s *Skopeo) Copy(ctx context.Context, src, dest string, extra ...string) error {
	args := append([]string{"copy", "--src-tls-verify=false", "--dest-tls-verify=false"}, extra...)
	_, err := s.Run(ctx, append(args, src, dest)...)
	return err
}

// Push copies img to dest (a docker:// name) and returns dest.
func (s *Skopeo) Push(t testing.TB, img *Image, dest string) string {
	t.Helper()
	if err := s.Copy(context.Background(), img.Ref, dest); err != nil {
		t.Fatal(err)
	}
	return dest
}

// InspectRaw returns the manifest of ref (skopeo inspect --raw).
func (s *Skopeo) InspectRaw(t testing.TB, ref string) ([]byte, imgspecv1.Manifest) {
	t.Helper()
	out, err := s.Run(context.Background(), "inspect", "--raw", "--tls-verify=false", ref)
	if err != nil {
		t.Fatal(err)
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("skopeo inspect --raw %s: %v\n%s", ref, err, out)
	}
	return []byte(out), m
}
