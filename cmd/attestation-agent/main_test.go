package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containerd/ttrpc"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
)

// run executes the command with args until ctx ends.
func run(ctx context.Context, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newRootCommand(&out, &out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

func TestHelpShowsUpstreamFlags(t *testing.T) {
	out, err := run(t.Context(), "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{
		"-a, --attestation_sock", "unix:///run/confidential-containers/attestation-agent/attestation-agent.sock",
		"-c, --config-file", "-i, --initdata-digest", "-t, --initdata-toml", "--grpc", "-V, --version",
	} {
		if !strings.Contains(out, flag) {
			t.Errorf("--help lacks %q", flag)
		}
	}
}

func shortTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "aacmd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitForSocket waits until the agent serves on path (a stale socket
// there does not count: it refuses connections) or exits.
func waitForSocket(t *testing.T, path string, done <-chan error) {
	t.Helper()
	for {
		select {
		case err := <-done:
			t.Fatalf("agent exited before serving: %v", err)
		default:
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() == 0o600 {
			if conn, err := net.Dial("unix", path); err == nil {
				_ = conn.Close()
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freeTCPAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServeTTRPCThenShutDown(t *testing.T) {
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "aa.sock")
	// A stale socket from an earlier run is replaced.
	stale, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = stale.Close()

	config := writeFile(t, dir, "aa.toml", "[token_configs.kbs]\nurl = \"http://127.0.0.1:1\"\n[log]\nlevel = \"debug\"\n")
	initData := writeFile(t, dir, "initdata.toml", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = run(ctx, "--attestation_sock", "unix://"+sock, "-c", config, "--initdata-toml", initData)
		done <- err
	}()
	waitForSocket(t, sock, done) // also checks the socket's 0600 mode

	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	tc := ttrpc.NewClient(conn)
	defer tc.Close()
	tee, err := pb.NewTTRPCAttestationAgentServiceClient(tc).GetTeeType(t.Context(), &pb.GetTeeTypeRequest{})
	if err != nil || tee.GetTee() != "sample" {
		t.Fatalf("ttRPC GetTeeType = %v, %v", tee, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("agent exited with %v", err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after shutdown: %v", err)
	}
	if !strings.Contains(out, "does not support init-data binding") {
		t.Errorf("no log line about the sample TEE's init-data binding:\n%s", out)
	}
}

func TestRefusesToStart(t *testing.T) {
	dir := shortTempDir(t)
	sock := "unix://" + filepath.Join(dir, "aa.sock")
	notSocket := writeFile(t, dir, "file", "keep me")
	type testCase struct {
		args []string
		want string
	}
	cases := map[string]testCase{
		"unknown config key": {[]string{"-a", sock, "-c", writeFile(t, dir, "bad.toml", "[token_configs.kbs]\nurl = 'http://k'\nkbs_cert = 'x'\n")}, "token_configs.kbs.kbs_cert"},
		"missing config":     {[]string{"-a", sock, "-c", filepath.Join(dir, "absent.toml")}, "absent.toml"},
		"bad digest":         {[]string{"-a", sock, "--initdata-digest", "not base64!"}, "--initdata-digest"},
		"bad init-data":      {[]string{"-a", sock, "-t", writeFile(t, dir, "init.toml", "algorithm = 'md5'\n")}, "init-data"},
		"not unix":           {[]string{"-a", "tcp://127.0.0.1:1"}, "unix:///path"},
		"not a socket":       {[]string{"-a", "unix://" + notSocket}, "not a socket"},
		"stray argument":     {[]string{"-a", sock, "extra"}, "unknown command"},
	}
	if !grpcBuilt {
		cases["--grpc without gRPC"] = testCase{[]string{"-a", sock, "--grpc", "127.0.0.1:1"}, "-tags grpc"}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := run(t.Context(), tc.args...)
			if err == nil || !strings.Contains(out+err.Error(), tc.want) {
				t.Fatalf("err = %v, output %q; want an error mentioning %q", err, out, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(notSocket); string(b) != "keep me" {
		t.Fatal("a regular file at the socket path was touched")
	}
}

// TestGuestBinaryStaysLean: no Trustee (server-side) package is linked
// into the guest's agent, and gRPC only into a build with -tags grpc.
func TestGuestBinaryStaysLean(t *testing.T) {
	deps := func(tags string) []string {
		out, err := exec.Command("go", "list", "-tags", tags, "-deps", ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "github.com/cocoon-cc/cocoon/internal/guest/aa") {
			t.Fatal("go list output does not look like this command's dependencies")
		}
		return strings.Fields(string(out))
	}
	for _, pkg := range deps("") {
		if strings.Contains(pkg, "/internal/trustee") || pkg == "google.golang.org/grpc" || strings.HasPrefix(pkg, "golang.org/x/net/http2") {
			t.Errorf("attestation-agent links %s", pkg)
		}
	}
	if !slices.Contains(deps("grpc"), "google.golang.org/grpc") {
		t.Error("a build with -tags grpc does not link gRPC")
	}
}
