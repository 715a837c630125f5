package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// randomSecret is binary, with bytes no text encoding would keep intact.
func randomSecret(t *testing.T) []byte {
	t.Helper()
	secret := make([]byte, 64)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return append(secret, 0x00, '\n', 0xff, '\r')
}

// An operator stores a secret; the sample TEE proves nothing, so the
// default resource policy refuses it until the operator allows every
// attested client, after which the guest gets the exact bytes.
func TestResourceDeniedToSampleTEEUntilPolicyAllows(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	s := n.start(t)
	secret := randomSecret(t)
	secretFile := writeFile(t, t.TempDir(), "secret", secret)

	mustSucceed(t, s.admin(t, n.adminKey, "set-resource", "--path", "default/key/1", "--resource-file", secretFile))

	mustFail(t, s.kbsClient(t, "get-resource", "--path", "default/key/1"), `\bPolicyDeny\b`)

	mustSucceed(t, s.admin(t, n.adminKey, "set-resource-policy", "--allow-all"))

	if got := s.getResource(t, "default/key/1"); !bytes.Equal(got, secret) {
		t.Errorf("get-resource (base64 on stdout) = %x, want %x", got, secret)
	}

	out := filepath.Join(t.TempDir(), "secret.out")
	r := mustSucceed(t, s.kbsClient(t, "get-resource", "--path", "default/key/1", "--output", out))
	if r.stdout != "" {
		t.Errorf("get-resource --output also printed on stdout:\n%s", r)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) {
		t.Errorf("get-resource --output wrote %x, want %x", got, secret)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("--output file mode = %v, want 0600", perm)
	}

	// An unknown resource is refused (upstream answers 401 from the
	// plugin), not released empty.
	mustFail(t, s.kbsClient(t, "get-resource", "--path", "default/key/absent"), `\b401 PluginInternalError\b`)
}
