package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects output written from the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func run(ctx context.Context, out io.Writer, env map[string]string, args ...string) error {
	cmd := newRootCommand(out, out, func(k string) string { return env[k] })
	cmd.SetArgs(args)
	return cmd.ExecuteContext(ctx)
}

func TestHelpShowsUpstreamFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out, nil, "--help"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"-b, --bind", `"127.0.0.1:8006"`, "-f, --features", `(default "resource")`,
		"-c, --cdh_addr", "unix:///run/confidential-containers/cdh.sock",
		"-a, --aa_addr", "unix:///run/confidential-containers/attestation-agent/attestation-agent.sock",
		"-V, --version", "/aa/token?token_type=kbs", "403",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

func TestRefusesToStart(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"unknown feature":   {[]string{"--features", "everything"}, nil, "Supported features are: resource, attestation, all"},
		"host name bind":    {[]string{"--bind", "localhost:8006"}, nil, "--bind"},
		"bind without port": {[]string{"-b", "127.0.0.1"}, nil, "--bind"},
		"tcp CDH address":   {[]string{"--cdh_addr", "tcp://127.0.0.1:1"}, nil, "--cdh_addr"},
		"bad AA address":    {[]string{"-f", "attestation", "-a", "/run/aa.sock"}, nil, "--aa_addr"},
		"bad RUST_LOG":      {nil, map[string]string{"RUST_LOG": "loud"}, "RUST_LOG"},
		"stray argument":    {[]string{"extra"}, nil, "unknown command"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), &out, tc.env, tc.args...)
			if err == nil || !strings.Contains(out.String()+err.Error(), tc.want) {
				t.Fatalf("err = %v, output %q; want an error mentioning %q", err, out.String(), tc.want)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The server starts before the services exist (they connect lazily, as
// upstream's), answers, and stops cleanly when its context ends.
func TestServesUntilStopped(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, &out, nil, "--bind", addr, "--features", "resource", "--cdh_addr", "unix:///nonexistent/cdh.sock")
	}()
	body := waitForInfo(t, "http://"+addr, done)
	if want := fmt.Sprintf(`{"version":%q,"feature":"resource"}`, version); body != want {
		t.Errorf("/info = %s, want %s", body, want)
	}
	resp, err := http.Get("http://" + addr + "/cdh/resource/default/key/1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || string(b) != "ttrpc connect to CDH addr: unix:///nonexistent/cdh.sock failed" {
		t.Errorf("resource with no CDH: %d %q", resp.StatusCode, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("exit: %v", err)
	}
	for _, want := range []string{"API server listening", "http://" + addr, "API server stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
}

func waitForInfo(t *testing.T, url string, done <-chan error) string {
	t.Helper()
	for {
		select {
		case err := <-done:
			t.Fatalf("server exited before serving: %v", err)
		default:
		}
		resp, err := http.Get(url + "/info")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGuestBinaryStaysLean: no Trustee (server-side) package, neither the
// agent nor the CDH themselves, and no gRPC are linked into the API server.
func TestGuestBinaryStaysLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"/internal/trustee", "/internal/guest/aa", "/internal/guest/cdh", "open-policy-agent"} {
			if strings.Contains(pkg, banned) {
				t.Errorf("api-server-rest links %s", pkg)
			}
		}
		if pkg == "google.golang.org/grpc" {
			t.Errorf("api-server-rest links %s", pkg)
		}
	}
	if !strings.Contains(string(out), "github.com/cocoon-cc/cocoon/internal/guest/restapi") {
		t.Fatal("go list output does not look like this command's dependencies")
	}
}
