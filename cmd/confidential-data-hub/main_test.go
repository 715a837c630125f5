package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
)

func runCapture(t *testing.T, ctx context.Context, args []string, env map[string]string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestHelpAndVersion(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		code, out, _ := runCapture(t, context.Background(), []string{arg}, nil)
		if code != 0 || !strings.Contains(out, "-c, --config <path>") || !strings.Contains(out, "Examples:") {
			t.Fatalf("%s: %d %q", arg, code, out)
		}
	}
	code, out, _ := runCapture(t, context.Background(), []string{"--version"}, nil)
	if code != 0 || !strings.HasPrefix(out, "confidential-data-hub (Cocoon) ") {
		t.Fatalf("--version: %d %q", code, out)
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"extra"}, {"-c"}} {
		if code, _, errOut := runCapture(t, context.Background(), args, nil); code != 2 || !strings.Contains(errOut, "Usage:") {
			t.Errorf("%q: %d %q", args, code, errOut)
		}
	}
	code, _, errOut := runCapture(t, context.Background(), []string{"-c", "/nonexistent/cdh.toml"}, nil)
	if code != 1 || !strings.Contains(errOut, "cdh config") {
		t.Errorf("missing config: %d %q", code, errOut)
	}
}

// The CDH serves, answers GetResource and stops cleanly on cancellation.
func TestServesUntilStopped(t *testing.T) {
	dir, err := os.MkdirTemp("", "cdhcmd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "cdh.sock")
	resources := filepath.Join(dir, "resources.json")
	b, _ := json.Marshal(map[string]string{"default/key/1": base64.StdEncoding.EncodeToString([]byte("offline secret"))})
	if err := os.WriteFile(resources, b, 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "cdh.toml")
	if err := os.WriteFile(config, []byte("socket = \"unix://"+socket+"\"\n[kbc]\nname = \"offline_fs_kbc\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-c", config}, func(k string) string {
			return map[string]string{"OFFLINE_FS_KBC_EXTRA_FILE_PATH": resources}[k]
		}, &bytes.Buffer{}, &stderr)
	}()
	conn := dialWhenUp(t, socket, done)
	client := cdhapi.NewGetResourceServiceClient(ttrpc.NewClient(conn))
	resp, err := client.GetResource(context.Background(), &cdhapi.GetResourceRequest{ResourcePath: "kbs:///default/key/1"})
	if err != nil || string(resp.Resource) != "offline secret" {
		t.Fatalf("GetResource = %q, %v", resp.GetResource(), err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "offline secret") {
		t.Fatal("the secret was logged")
	}
}

// dialWhenUp waits for the socket to accept, or for run to exit.
func dialWhenUp(t *testing.T, socket string, done <-chan int) net.Conn {
	t.Helper()
	for {
		if conn, err := net.Dial("unix", socket); err == nil {
			return conn
		}
		select {
		case code := <-done:
			t.Fatalf("exited with %d before listening", code)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Guest binaries stay lean: nothing of the server side is linked in, nor
// gRPC (the CDH calls the agent over ttRPC).
func TestNoTrusteeDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/internal/trustee") || strings.Contains(pkg, "open-policy-agent") || pkg == "google.golang.org/grpc" {
			t.Errorf("confidential-data-hub depends on %s", pkg)
		}
	}
}
