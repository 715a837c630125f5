package tpm_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/ttrpc"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	_ "github.com/cocoon-cc/cocoon/internal/guest/attester/all" // what cmd/attestation-agent compiles in
	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// TestAttestationAgentReleasesAResource is issue 4's acceptance: swtpm →
// attestation-agent (detecting its TPM attester from AA_TPM_DEVICE, as the
// command does) → Trustee → resource released, once the administrator has
// registered the AK and PCR 11.
func TestAttestationAgentReleasesAResource(t *testing.T) {
	ctx := t.Context()
	tr := newTrustee(t)
	secret := []byte("released to the attestation-agent's TPM")
	tr.SetResource(t, secretPath, secret)
	device := swtpm.Start(t).Device()
	provision(t, tr, device)

	t.Setenv(tpm.EnvDevice, device)
	t.Setenv(tpm.EnvEventLogPath, filepath.Join(t.TempDir(), "no-eventlog"))
	var agentLog trusteetest.Log
	cfg := aa.DefaultConfig()
	cfg.TokenConfigs.KBS = &aa.KBSConfig{URL: tr.URL}
	agent, err := aa.New(ctx, aa.Options{Config: cfg, Logger: agentLog.Logger()}) // detection: attester.Default
	must(t, err)
	t.Cleanup(func() { _ = agent.Close() })
	client := serveAgent(t, agent)

	tee, err := client.GetTeeType(ctx, &pb.GetTeeTypeRequest{})
	if err != nil || tee.GetTee() != string(kbs.TeeTpm) {
		t.Fatalf("GetTeeType = %v, %v; want tpm\n%s", tee, err, agentLog.String())
	}
	answer, err := client.GetToken(ctx, &pb.GetTokenRequest{TokenType: "kbs"})
	if err != nil {
		t.Fatalf("GetToken: %v\nTrustee log:\n%s", err, tr.log.String())
	}
	var msg struct {
		Token      string `json:"token"`
		TeeKeyPair string `json:"tee_keypair"`
	}
	must(t, json.Unmarshal(answer.GetToken(), &msg))
	if sub := cpu0(t, msg.Token); sub["ear.status"] != "affirming" {
		t.Fatalf("ear.status = %v, want affirming: %v", sub["ear.status"], sub)
	}
	key, err := kbs.ParseTeeKeyPairPEM([]byte(msg.TeeKeyPair), "")
	must(t, err)
	got, err := kbsclient.GetResourceWithToken(ctx, tr.URL, secretPath, msg.Token, key)
	if err != nil || string(got) != string(secret) {
		t.Fatalf("resource = %q, %v", got, err)
	}
	if !strings.Contains(agentLog.String(), "TPM was detected and is used as the primary attester") {
		t.Errorf("the agent did not warn that a bare TPM is its attester:\n%s", agentLog.String())
	}
}

// provision does what an administrator does with `cocoon-tpm ak` and
// `cocoon-tpm pcrs`: register the TPM's AK (created on first open) and PCR 11.
func provision(t *testing.T, tr *trustee, device string) {
	t.Helper()
	g, err := tpm.Open(context.Background(), tpm.Config{Device: device})
	must(t, err)
	defer g.Close()
	(&guest{attester: g}).trust(t, tr)
}

// serveAgent serves the agent's ttRPC service on a unix socket, as the
// command does, and returns a client of it.
func serveAgent(t *testing.T, agent *aa.Agent) pb.TTRPCAttestationAgentServiceService {
	t.Helper()
	dir, err := os.MkdirTemp("", "aa") // short: unix socket paths are limited
	must(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "aa.sock")
	l, err := aa.ListenUnix("unix://" + sock)
	must(t, err)
	srv, err := ttrpc.NewServer()
	must(t, err)
	aa.NewService(agent).RegisterTTRPC(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(context.Background(), l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	conn, err := net.Dial("unix", sock)
	must(t, err)
	c := ttrpc.NewClient(conn)
	t.Cleanup(func() { _ = c.Close() })
	return pb.NewTTRPCAttestationAgentServiceClient(c)
}
