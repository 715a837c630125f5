package cdh

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// startAA runs the real attestation-agent (sample attester) over ttRPC
// and returns its unix:// address.
func startAA(t *testing.T, kbsURL string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "aa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := aa.DefaultConfig()
	cfg.TokenConfigs.KBS = &aa.KBSConfig{URL: kbsURL}
	agent, err := aa.New(context.Background(), aa.Options{
		Config: cfg, Primary: attester.Sample{},
		EventLog: eventlog.Config{Path: filepath.Join(dir, "eventlog"), WALPath: filepath.Join(dir, ".wal")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Close() })
	addr := "unix://" + filepath.Join(dir, "aa.sock")
	l, err := aa.ListenUnix(addr)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	aa.NewService(agent).RegisterTTRPC(srv)
	go func() { _ = srv.Serve(context.Background(), l) }()
	t.Cleanup(func() { srv.Close() })
	return addr
}

// The whole passport flow with the real agent: GetToken("kbs") over ttRPC,
// the PEM key parsed, the resource fetched with the Bearer token.
func TestTokensFromTheAttestationAgent(t *testing.T) {
	tr := trusteetest.New(t, trusteetest.WithSampleTEE())
	tr.SetResource(t, "default/key/1", []byte("via the agent"))
	tokens, err := NewAATokens(startAA(t, tr.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tokens.Close() })
	k, err := NewKBS(tr.URL, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := resourceuri.Parse("kbs:///default/key/1")
	data, err := k.GetResource(context.Background(), uri)
	if err != nil || string(data) != "via the agent" {
		t.Fatalf("GetResource = %q, %v", data, err)
	}
}

func TestAATokensWithoutAgent(t *testing.T) {
	tokens, err := NewAATokens("unix:///nonexistent/aa.sock")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokens.Token(context.Background()); err == nil {
		t.Fatal("Token succeeded without an agent")
	}
	if _, err := NewAATokens("tcp://127.0.0.1:1"); err == nil {
		t.Fatal("a non-unix address was accepted")
	}
}
