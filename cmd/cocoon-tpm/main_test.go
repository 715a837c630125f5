package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

func run(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCommand(&out)
	cmd.SetArgs(args)
	cmd.SetErr(&out)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("cocoon-tpm %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

func TestAKPrintsTheEvidenceKey(t *testing.T) {
	sim := swtpm.Start(t)
	out := run(t, "--device", sim.Device(), "ak")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", out)
	}
	b64 := strings.TrimPrefix(lines[0], "ak_public: ")
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("ak_public %q: %v", b64, err)
	}
	sum := sha256.Sum256(der)
	if lines[1] != "sha256:    "+hex.EncodeToString(sum[:]) {
		t.Errorf("digest line %q", lines[1])
	}
	// The key printed is the one the evidence carries.
	a, err := tpm.Open(context.Background(), tpm.Config{Device: sim.Device()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if base64.StdEncoding.EncodeToString(a.AKPublic()) != b64 {
		t.Error("ak prints another key than the attester's")
	}
}

func TestAKKBSClientCommands(t *testing.T) {
	sim := swtpm.Start(t)
	out := run(t, "--device", sim.Device(), "ak", "--kbs-client-command", "--kbs-url", "http://kbs:8080", "--auth-private-key", "k.pem")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	prefix := "kbs-client --url http://kbs:8080 config --auth-private-key k.pem set-sample-reference-value "
	if len(lines) != 2 || !strings.HasPrefix(lines[0], prefix+"trusted_aks MII") ||
		lines[1] != prefix+"tpm_pcr11 "+strings.Repeat("0", 64) {
		t.Errorf("output:\n%s", out)
	}
}

func TestPCRs(t *testing.T) {
	out := run(t, "--device", swtpm.Start(t).Device(), "pcrs")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != tpm.PCRCount || lines[11] != "pcr11 "+strings.Repeat("0", 64) {
		t.Errorf("output:\n%s", out)
	}
}

func TestBadHandleIsRefused(t *testing.T) {
	cmd := newRootCommand(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"--device", "tcp://127.0.0.1:1", "--ak-handle", "0x01000000", "ak"})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "persistent handle") {
		t.Errorf("err = %v", err)
	}
}
