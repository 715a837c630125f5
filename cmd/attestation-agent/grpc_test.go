package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/api/attestation-agent/aagrpc"
)

// TestGRPCBuildServesGRPC builds the agent with -tags grpc, as it is
// built for gRPC clients, and calls it over gRPC on TCP; SIGTERM then
// stops it cleanly.
func TestGRPCBuildServesGRPC(t *testing.T) {
	dir := shortTempDir(t)
	bin := filepath.Join(dir, "attestation-agent")
	if out, err := exec.Command("go", "build", "-tags", "grpc", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags grpc: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "aa.sock")
	config := writeFile(t, dir, "aa.toml", "[token_configs.kbs]\nurl = \"http://127.0.0.1:1\"\n")
	grpcAddr := freeTCPAddr(t)
	var out bytes.Buffer // read only after the process exited
	cmd := exec.Command(bin, "--attestation_sock", "unix://"+sock, "-c", config, "--grpc", grpcAddr)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitForTCP(t, grpcAddr, done, &out)

	gc, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	ev, err := aagrpc.NewAttestationAgentServiceClient(gc).GetEvidence(t.Context(), &pb.GetEvidenceRequest{RuntimeData: []byte("abc")})
	if err != nil || string(ev.GetEvidence()) != `{"svn":"1","report_data":"YWJj"}` {
		t.Fatalf("gRPC GetEvidence = %s, %v", ev.GetEvidence(), err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("agent exited with %v:\n%s", err, out.String())
	}
	if _, err := os.Stat(sock); err == nil {
		t.Error("socket left behind after shutdown")
	}
}

// waitForTCP waits until addr accepts connections, or fails if the
// process exits first.
func waitForTCP(t *testing.T, addr string, done <-chan error, out *bytes.Buffer) {
	t.Helper()
	for {
		if conn, err := net.Dial("tcp", addr); err == nil {
			_ = conn.Close()
			return
		}
		select {
		case err := <-done:
			t.Fatalf("agent exited before serving gRPC: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
