package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// run executes the trustee command line and returns stdout and stderr.
func run(ctx context.Context, args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand(&stdout, &stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return stdout.String(), stderr.String(), err
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	writeFile(t, good, `
[http_server]
insecure_http = true
[admin]
type = "DenyAll"
[attestation_token]
insecure_header_jwk = true
`)
	out, _, err := run(context.Background(), "validate", "-c", good)
	if err != nil || !strings.Contains(out, "good.toml: OK") || !strings.Contains(out, "warning: attestation_token.insecure_header_jwk") {
		t.Fatalf("validate good: %v\n%s", err, out)
	}

	bad := filepath.Join(dir, "bad.toml")
	writeFile(t, bad, `
[http_server]
payload_request_size = 0
sockets = ["localhost:80"]
bogus = 1
[admin]
type = "DenyAll"
`)
	out, stderr, err := run(context.Background(), "validate", "-c", bad)
	if err == nil || !strings.Contains(out, "INVALID") {
		t.Fatalf("validate bad: %v\n%s", err, out)
	}
	for _, key := range []string{"http_server.payload_request_size", "http_server.sockets[0]", "http_server.bogus", "http_server.private_key"} {
		if !strings.Contains(out, "error: "+key) {
			t.Errorf("validate output does not name %s:\n%s", key, out)
		}
	}
	if strings.Count(stderr, "configuration is invalid") != 1 {
		t.Errorf("error printed %d times on stderr: %q", strings.Count(stderr, "configuration is invalid"), stderr)
	}

	if _, _, err := run(context.Background(), "validate"); err == nil {
		t.Error("validate without a file succeeded")
	}
}

func TestVersion(t *testing.T) {
	out, _, err := run(context.Background(), "version")
	if err != nil || !strings.Contains(out, "KBS protocol: 0.4.0") {
		t.Fatalf("version: %v %q", err, out)
	}
}

func TestHelpHasExamples(t *testing.T) {
	out, _, err := run(context.Background(), "--help")
	if err != nil || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--config-file") {
		t.Fatalf("--help: %v\n%s", err, out)
	}
}

func TestDevKeysAreCreatedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	created, err := ensureDevKeys(dir)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	before := map[string][]byte{}
	for _, name := range []string{adminKeyFile, adminPubFile, tokenKeyFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		before[name] = b
	}
	for _, secret := range []string{adminKeyFile, tokenKeyFile} {
		info, _ := os.Stat(filepath.Join(dir, secret))
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", secret, info.Mode().Perm())
		}
	}
	created, err = ensureDevKeys(dir)
	if err != nil || created {
		t.Fatalf("restart: created=%v err=%v", created, err)
	}
	for name, b := range before {
		if after, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(after, b) {
			t.Errorf("%s changed across restarts", name)
		}
	}
	// The development configuration built over them is valid.
	if err := config.Default(dir).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBadFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--log-level", "loud", "-c", "/nonexistent"},
		{"--log-format", "xml", "-c", "/nonexistent"},
		{"-c", "/nonexistent/kbs.toml"},
	} {
		if _, stderr, err := run(context.Background(), args...); err == nil || stderr == "" {
			t.Errorf("%v: err=%v stderr=%q", args, err, stderr)
		}
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key.
func selfSignedCert(t *testing.T, dir string) (certPEM []byte, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "trustee test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certPath, string(certPEM))
	writeFile(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	return certPEM, certPath, keyPath
}

// server is a trustee command running in the background.
type server struct {
	url    string        // from the app.ListeningMessage log line
	stdout *bytes.Buffer // complete once url is known: the banner comes first
	done   chan error
	cancel context.CancelFunc
}

// start runs the trustee command line until the test ends and waits for
// its app.ListeningMessage log line; the command must log JSON.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs, logWriter := io.Pipe()
	s := &server{stdout: &bytes.Buffer{}, done: make(chan error, 1), cancel: cancel}
	go func() {
		cmd := newRootCommand(s.stdout, logWriter)
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(ctx)
		exited := errors.New("trustee exited")
		if err != nil {
			exited = fmt.Errorf("trustee exited: %w", err)
		}
		logWriter.CloseWithError(exited)
		s.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	url, err := trusteetest.ListeningURL(logs)
	if err != nil {
		t.Fatal(err)
	}
	s.url = url
	return s
}

// stop cancels the command and reports how it ended.
func (s *server) stop() error {
	s.cancel()
	err := <-s.done
	s.done <- err // for the cleanup
	return err
}

// The real command, over HTTPS with the modern (TLS 1.3) profile and a
// LocalFs store: an admin stores a secret, a sample guest fetches it with
// our client, and cancelling the context stops the server cleanly. The
// file's socket cannot be bound here: --socket must win over it.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	certPEM, certPath, keyPath := selfSignedCert(t, dir)
	if _, err := ensureDevKeys(dir); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "kbs.toml")
	writeFile(t, cfgPath, fmt.Sprintf(`
[http_server]
sockets = ["192.0.2.1:8080"]
private_key = %q
certificate = %q
tls_profile = "modern"

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
`, keyPath, certPath, filepath.Join(dir, tokenKeyFile), filepath.Join(dir, adminPubFile), filepath.Join(dir, "storage")))

	srv := start(t, "serve", "-c", cfgPath, "--socket", "127.0.0.1:0", "--insecure-allow-sample-tee", "--log-format", "json")
	base := srv.url
	if !strings.HasPrefix(base, "https://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("listening on %q, want https://127.0.0.1:<port>", base)
	}

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	// modern = TLS 1.3 only.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS12}}}
	if resp, err := old.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.2 client was served under the modern profile")
	}

	adminPriv, err := os.ReadFile(filepath.Join(dir, adminKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	adminAPI, err := kbsclient.NewAdmin(base, kbsclient.EdDSATokenSource(adminPriv), kbsclient.WithRootCertificatePEM(certPEM))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("end-to-end secret")
	if err := adminAPI.SetResource(context.Background(), "default/key/1", secret); err != nil {
		t.Fatalf("set resource: %v", err)
	}
	guest, err := kbsclient.New(base, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)), kbsclient.WithRootCertificatePEM(certPEM))
	if err != nil {
		t.Fatal(err)
	}
	got, err := guest.GetResource(context.Background(), "default/key/1")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("GetResource = %q, %v", got, err)
	}

	if err := srv.stop(); err != nil {
		t.Fatalf("server did not stop cleanly: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "storage")); err != nil {
		t.Errorf("LocalFs storage not created: %v", err)
	}
}

// Two development servers side by side, each on the port --socket gives
// it, print their real URL in the banner and serve.
func TestDevServersWithSocketFlag(t *testing.T) {
	var urls []string
	for _, args := range [][]string{
		{"--socket", "127.0.0.1:0"},
		{"serve", "--socket", "127.0.0.1:0", "--socket", "[::1]:0"},
	} {
		srv := start(t, append(args, "--data-dir", t.TempDir(), "--log-format", "json")...)
		if !strings.Contains(srv.stdout.String(), "kbs-client --url "+srv.url+" ") {
			t.Errorf("banner does not name %s:\n%s", srv.url, srv.stdout)
		}
		resp, err := http.Get(srv.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s/healthz = %d", srv.url, resp.StatusCode)
		}
		urls = append(urls, srv.url)
	}
	if urls[0] == urls[1] {
		t.Fatalf("both servers on %s", urls[0])
	}
}

func TestSocketFlagIsChecked(t *testing.T) {
	for _, socket := range []string{"localhost:8080", "127.0.0.1", "nonsense"} {
		_, stderr, err := run(context.Background(), "--data-dir", t.TempDir(), "--socket", socket)
		if err == nil || !strings.Contains(stderr, "--socket") {
			t.Errorf("--socket %q: err=%v stderr=%q", socket, err, stderr)
		}
	}
}
