package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// startDevServer runs the zero-config development server on dataDir.
func startDevServer(t *testing.T, dataDir string) *server {
	t.Helper()
	return startServer(t, func(port int) []string {
		return []string{"--data-dir", dataDir, "--socket", fmt.Sprintf("127.0.0.1:%d", port)}
	}, "http", "")
}

// The README's quickstart: with no configuration file trustee creates its
// keys in the data directory, says where they are, serves with the default
// resource policy (which refuses the sample TEE), and keeps keys and state
// across a restart.
func TestDevServerQuickstart(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data") // trustee creates it
	adminKey := filepath.Join(dataDir, "admin.key")
	dir := t.TempDir()
	secret := randomSecret(t)
	teeKey := p256KeyFile(t, dir, "tee.pem")

	first := startDevServer(t, dataDir)
	for _, want := range []string{adminKey, first.url} {
		if !strings.Contains(first.stdout.String(), want) {
			t.Errorf("start-up banner does not name %s:\n%s", want, first.output())
		}
	}
	for _, name := range []string{"admin.key", "token.key"} {
		info, err := os.Stat(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatalf("first start did not create %s: %v", name, err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s mode = %v, want readable by its owner only", name, perm)
		}
	}
	adminKeyPEM, err := os.ReadFile(adminKey)
	if err != nil {
		t.Fatal(err)
	}

	mustSucceed(t, first.admin(t, adminKey, "set-resource", "--path", "default/key/1", "--resource-file", writeFile(t, dir, "secret", secret)))
	mustFail(t, first.kbsClient(t, "get-resource", "--path", "default/key/1"), `\bPolicyDeny\b`)
	mustSucceed(t, first.admin(t, adminKey, "set-resource-policy", "--allow-all"))
	if got := first.getResource(t, "default/key/1"); !bytes.Equal(got, secret) {
		t.Errorf("get-resource = %x, want %x", got, secret)
	}
	token, _ := first.attest(t, "--tee-key-file", teeKey)
	tokenFile := writeFile(t, dir, "token", []byte(token))
	first.stop(t, true)

	second := startDevServer(t, dataDir)
	if again, err := os.ReadFile(adminKey); err != nil || !bytes.Equal(again, adminKeyPEM) {
		t.Fatalf("restart replaced the admin key (err %v)", err)
	}
	if got := second.getResource(t, "default/key/1"); !bytes.Equal(got, secret) {
		t.Errorf("get-resource after restart = %x, want %x", got, secret)
	}
	if got := second.getResource(t, "default/key/1", "--attestation-token", tokenFile, "--tee-key-file", teeKey); !bytes.Equal(got, secret) {
		t.Errorf("get-resource with a token from before the restart = %x, want %x", got, secret)
	}
	mustSucceed(t, second.admin(t, adminKey, "delete-resource", "--path", "default/key/1"))
	mustFail(t, second.kbsClient(t, "get-resource", "--path", "default/key/1"), `\b401\b`)
}

// --socket replaces http_server.sockets of a configuration file.
func TestSocketFlagOverridesConfigFile(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	configFile := n.writeConfig(t, freePort(t))
	s := startServer(t, func(port int) []string {
		return []string{"--config-file", configFile, "--socket", fmt.Sprintf("127.0.0.1:%d", port)}
	}, "http", "")
	// Ready on the flag's port; an admin call there proves it is the
	// configured trustee, not just something answering /healthz.
	mustSucceed(t, s.admin(t, n.adminKey, "set-sample-reference-value", "svn", "1"))
}
