package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds on how long a process may take; reaching one is a failure, never
// a pass. Shutdown gets more than trustee's own 30 s drain timeout.
const (
	readyTimeout    = 30 * time.Second
	shutdownTimeout = 40 * time.Second
	startAttempts   = 3 // a free port can be taken by someone else before trustee binds it
)

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's output, which exec copies from its own
// goroutines.
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

// server is one running trustee process.
type server struct {
	url      string // http(s)://127.0.0.1:PORT
	certFile string // root certificate of an HTTPS server, "" for plain HTTP

	cmd            *exec.Cmd
	cancel         context.CancelFunc // sends SIGTERM
	stdout, stderr syncBuffer
	exited         chan struct{} // closed once the process has been reaped
	stopOnce       sync.Once
}

// startServer runs trustee with args (which must make it listen on port),
// waits until /healthz answers, and stops it when the test ends. A start
// that loses its port to another process is retried on a fresh port.
func startServer(t *testing.T, argsFor func(port int) []string, scheme, certFile string) *server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		s := launch(t, argsFor(port), fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), certFile)
		err := s.waitReady()
		if err == nil {
			return s
		}
		s.stop(t, false)
		if attempt < startAttempts && strings.Contains(s.stderr.String(), "address already in use") {
			t.Logf("port %d taken before trustee bound it; retrying", port)
			continue
		}
		t.Fatalf("trustee did not become ready: %v (its output is logged below)", err)
	}
}

func launch(t *testing.T, args []string, url, certFile string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{url: url, certFile: certFile, cancel: cancel, exited: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, bin.trustee, args...)
	s.cmd.Env = processEnv()
	s.cmd.Stdout = &s.stdout
	s.cmd.Stderr = &s.stderr
	// Cancelling the context is how a test stops trustee: SIGTERM, as an
	// init system would, and SIGKILL only if it does not exit in time.
	s.cmd.Cancel = func() error { return s.cmd.Process.Signal(syscall.SIGTERM) }
	s.cmd.WaitDelay = shutdownTimeout
	if err := s.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start trustee: %v", err)
	}
	go func() {
		_ = s.cmd.Wait() // the exit status is read from ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.stop(t, true)
		if t.Failed() {
			t.Logf("trustee %s %s\n%s", url, strings.Join(args, " "), s.output())
		}
	})
	return s
}

func (s *server) output() string {
	return fmt.Sprintf("--- trustee stdout ---\n%s--- trustee stderr ---\n%s", s.stdout.String(), s.stderr.String())
}

// httpClient trusts the server's own certificate when it has one.
func (s *server) httpClient() (*http.Client, error) {
	if s.certFile == "" {
		return &http.Client{Timeout: 10 * time.Second}, nil
	}
	pemBytes, err := os.ReadFile(s.certFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, errors.New("no certificate in " + s.certFile)
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

// waitReady polls /healthz until it answers 200, the process exits, or
// readyTimeout passes.
func (s *server) waitReady() error {
	client, err := s.httpClient()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/healthz: %s", resp.Status)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("trustee exited early: %v", s.cmd.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, err)
		}
	}
}

// stop sends SIGTERM and waits for trustee to exit. With mustBeGraceful it
// fails the test unless trustee exited by itself with status 0. Only the
// first call does anything.
func (s *server) stop(t *testing.T, mustBeGraceful bool) {
	s.stopOnce.Do(func() {
		s.cancel()
		<-s.exited // WaitDelay bounds this: SIGKILL after shutdownTimeout
		if state := s.cmd.ProcessState; mustBeGraceful && (state == nil || !state.Exited() || state.ExitCode() != 0) {
			t.Errorf("trustee %s did not shut down gracefully on SIGTERM: %v", s.url, state)
		}
	})
}

// get fetches a path of the server's HTTP API.
func (s *server) get(t *testing.T, path string, header http.Header) (int, []byte) {
	return s.do(t, http.MethodGet, path, header, nil)
}

func (s *server) do(t *testing.T, method, path string, header http.Header, body []byte) (int, []byte) {
	t.Helper()
	client, err := s.httpClient()
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, buf.Bytes()
}

// node is the on-disk state of one Trustee: its keys, its configuration
// and its LocalFs storage. Starting a node twice is a restart.
type node struct {
	dir       string
	adminPriv ed25519.PrivateKey
	adminKey  string // adminPriv, PEM
	adminPub  string
	tokenKey  string    // EAR token signing key
	tls       *tlsFiles // nil: plain HTTP on loopback
}

func newNode(t *testing.T) *node {
	t.Helper()
	dir := t.TempDir()
	adminPriv, adminKey, adminPub := adminKeyPair(t, dir, "admin")
	return &node{dir: dir, adminPriv: adminPriv, adminKey: adminKey, adminPub: adminPub, tokenKey: p256KeyFile(t, dir, "token.key")}
}

func newHTTPSNode(t *testing.T) *node {
	n := newNode(t)
	files := selfSignedTLS(t, n.dir)
	n.tls = &files
	return n
}

// config is the node's Trustee configuration listening on port.
func (n *node) config(port int) string {
	httpServer := "insecure_http = true"
	if n.tls != nil {
		httpServer = fmt.Sprintf("insecure_http = false\nprivate_key = %q\ncertificate = %q", n.tls.key, n.tls.cert)
	}
	return fmt.Sprintf(`[http_server]
sockets = ["127.0.0.1:%d"]
%s

[attestation_service.attestation_token_broker.signer]
key_path = %q

[admin]
type = "Simple"
[[admin.personas]]
id = "admin"
public_key_path = %q

[storage_backend]
storage_type = "LocalFs"
[storage_backend.backends.local_fs]
dir_path = %q

[[plugins]]
name = "resource"
`, port, httpServer, n.tokenKey, n.adminPub, filepath.Join(n.dir, "storage"))
}

// writeConfig writes the node's configuration for port and returns its path.
func (n *node) writeConfig(t *testing.T, port int) string {
	return writeFile(t, n.dir, "kbs-config.toml", []byte(n.config(port)))
}

// start runs trustee on the node's configuration on a fresh port.
func (n *node) start(t *testing.T) *server {
	t.Helper()
	scheme, certFile := "http", ""
	if n.tls != nil {
		scheme, certFile = "https", n.tls.cert
	}
	return startServer(t, func(port int) []string {
		return []string{"--config-file", n.writeConfig(t, port)}
	}, scheme, certFile)
}
