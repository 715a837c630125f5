package imagetest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds on a process; reaching one is a failure, never a pass.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// Process is a started command whose output is kept for failure logs.
type Process struct {
	name   string
	cmd    *exec.Cmd
	out    syncBuffer
	exited chan struct{}
}

// Start runs path with args and env (nil: the test's environment) until
// the test ends, then stops it with SIGTERM; its output is logged if the
// test failed.
func Start(t testing.TB, path string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{name: path, exited: make(chan struct{})}
	p.cmd = exec.CommandContext(context.Background(), path, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s %s output ---\n%s", path, strings.Join(args, " "), p.Output())
		}
	})
	return p
}

// Output is everything the process wrote so far.
func (p *Process) Output() string { return p.out.String() }

// Stop sends SIGTERM, then SIGKILL after stopTimeout, and waits.
func (p *Process) Stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// WaitFor waits until the output matches re and returns the match's
// first group (or the whole match); the process exiting first fails.
func (p *Process) WaitFor(t testing.TB, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.Output()); m != nil {
			return m[len(m)-1]
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited before printing %s:\n%s", p.name, re, p.Output())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s did not print %s within %s:\n%s", p.name, re, startTimeout, p.Output())
	return ""
}

// syncBuffer collects output that exec copies from its own goroutines.
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

// run runs a command to completion and returns its stdout; stderr is in
// the error.
func run(ctx context.Context, env []string, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", path, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
