package e2e

import (
	"strings"
	"testing"
)

// trustee validate accepts the configuration the other tests serve and
// rejects a file with unknown keys, naming each, without starting anything.
func TestValidateConfig(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	good := n.writeConfig(t, freePort(t))
	r := mustSucceed(t, run(t, bin.trustee, "validate", "-c", good))
	if !strings.Contains(r.stdout, "OK") {
		t.Errorf("validate of a good file does not say OK:\n%s", r)
	}

	// A typo in a known section and an unknown section, next to valid keys.
	bad := strings.Replace(n.config(freePort(t)), "sockets =", "sokets =", 1) + "\n[attestation_servce]\ntimeout = 5\n"
	badFile := writeFile(t, t.TempDir(), "bad.toml", []byte(bad))
	r = run(t, bin.trustee, "validate", "-c", badFile)
	if r.code == 0 {
		t.Fatalf("validate of a bad file exited 0:\n%s", r)
	}
	for _, key := range []string{"http_server.sokets", "attestation_servce"} {
		if !reportsUnknownKey(r.stdout+r.stderr, key) {
			t.Errorf("validate output has no line calling %s an unknown key:\n%s", key, r)
		}
	}

	// Serving the bad file fails at start-up the same way.
	r = run(t, bin.trustee, "--config-file", badFile)
	if r.code == 0 || !reportsUnknownKey(r.stderr, "http_server.sokets") {
		t.Errorf("trustee --config-file with an unknown key: want a non-zero exit naming it\n%s", r)
	}
}

func reportsUnknownKey(out, key string) bool {
	for line := range strings.Lines(out) {
		if strings.Contains(line, key) && strings.Contains(line, "unknown key") {
			return true
		}
	}
	return false
}
