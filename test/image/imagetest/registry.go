package imagetest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Registry is a docker-registry serving plain HTTP on 127.0.0.1, storing
// blobs in a temporary directory; it stops when the test ends.
type Registry struct {
	// Host is "127.0.0.1:<port>", the registry part of image references.
	Host string
	// Dir is the storage root directory.
	Dir  string
	proc *Process
}

// StartRegistry starts docker-registry on a free loopback port and waits
// until it answers /v2/.
func StartRegistry(t testing.TB) *Registry {
	t.Helper()
	RequireTools(t, "docker-registry")
	const attempts = 3 // a free port can be taken before the registry binds it
	for attempt := 1; ; attempt++ {
		r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", freePort(t)), Dir: t.TempDir()}
		config := filepath.Join(t.TempDir(), "config.yml")
		writeFile(t, config, []byte(fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, r.Dir, r.Host)))
		r.proc = Start(t, "docker-registry", nil, "serve", config)
		err := r.waitReady()
		if err == nil {
			return r
		}
		r.proc.Stop()
		if attempt < attempts && strings.Contains(r.proc.Output(), "address already in use") {
			continue
		}
		t.Fatalf("docker-registry did not become ready: %v\n%s", err, r.proc.Output())
	}
}

// Ref is "docker://<host>/<repo>:<tag>".
func (r *Registry) Ref(repo, tag string) string {
	return "docker://" + r.Host + "/" + repo + ":" + tag
}

func (r *Registry) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-r.proc.exited:
			return fmt.Errorf("docker-registry exited")
		default:
		}
		resp, err := client.Get("http://" + r.Host + "/v2/")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no 200 from /v2/ within %s", startTimeout)
}

// freePort is a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
