package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// guestCommands are the guest binaries the guest tests run, built once,
// static and stripped as they would ship in a guest image.
var guestCommands = []string{"attestation-agent", "confidential-data-hub", "api-server-rest", "cocoon-guest", "cocoon-secret"}

var guestBin struct {
	once  sync.Once
	dir   string
	err   error
	paths map[string]string
}

// guestBinary returns the path of a guest command, building all of them
// on first use with CGO_ENABLED=0 -trimpath -ldflags='-s -w' into
// TestMain's directory.
func guestBinary(t *testing.T, name string) string {
	t.Helper()
	guestBin.once.Do(func() {
		guestBin.dir = filepath.Join(filepath.Dir(homeDir), "guest-bin")
		guestBin.err = buildGuestBinaries(guestBin.dir)
	})
	if guestBin.err != nil {
		t.Fatalf("build guest binaries: %v", guestBin.err)
	}
	p, ok := guestBin.paths[name]
	if !ok {
		t.Fatalf("%s is not a guest command", name)
	}
	return p
}

func buildGuestBinaries(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", dir + string(filepath.Separator)}
	for _, c := range guestCommands {
		args = append(args, "./cmd/"+c)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	// Static, as a guest image ships them: no libc to map (about 1.8 MiB
	// of RSS a process) and none needed in the guest's root file system.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	guestBin.paths = make(map[string]string)
	for _, c := range guestCommands {
		p := filepath.Join(dir, c)
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("go build did not produce %s: %w", p, err)
		}
		guestBin.paths[c] = p
	}
	return nil
}

// process is one running guest binary.
type process struct {
	name           string
	cmd            *exec.Cmd
	cancel         context.CancelFunc // sends SIGTERM
	stdout, stderr syncBuffer
	exited         chan struct{}
	stopOnce       sync.Once
}

// startProcess runs a guest binary until the test ends, when it gets
// SIGTERM and must exit 0 (SIGKILL after shutdownTimeout, a failure).
func startProcess(t *testing.T, name string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{name: name, cancel: cancel, exited: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, guestBinary(t, name), args...)
	p.cmd.Env = processEnv()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	p.cmd.WaitDelay = shutdownTimeout
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait() // the exit status is read from ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("%s %s\n--- stdout ---\n%s--- stderr ---\n%s", name, strings.Join(args, " "), p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

// stop sends SIGTERM and fails the test unless the process exits 0.
func (p *process) stop(t *testing.T) {
	p.stopOnce.Do(func() {
		p.cancel()
		<-p.exited
		if state := p.cmd.ProcessState; state == nil || !state.Exited() || state.ExitCode() != 0 {
			t.Errorf("%s did not exit 0 on SIGTERM: %v", p.name, state)
		}
	})
}

// running fails the test if the process has exited.
func (p *process) running(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("%s exited: %v\n%s", p.name, p.cmd.ProcessState, p.stderr.String())
	default:
	}
}

// waitForSocket waits until the process accepts connections on a unix
// socket (readyTimeout bounds it).
func (p *process) waitForSocket(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		p.running(t)
		if conn, err := net.Dial("unix", path); err == nil {
			_ = conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept on %s after %v\n%s", p.name, path, readyTimeout, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shortDir is a temporary directory short enough for unix socket paths,
// which t.TempDir under a long test name may not be.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "guest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
