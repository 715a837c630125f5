// Package swtpm starts a real software TPM (swtpm) for a test: TPM 2.0,
// fresh state in t.TempDir(), raw TPM commands on a random loopback TCP
// port, stopped when the test ends. A machine without swtpm fails the test:
// TPM tests are not optional.
package swtpm

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// MissingMessage is the failure of a test run without swtpm.
const MissingMessage = "install swtpm (apt-get install swtpm swtpm-tools)"

const (
	startAttempts = 5
	// readyWithin bounds how long swtpm may take to listen; it is a
	// start-up bound, not an assertion on speed.
	readyWithin = 30 * time.Second
)

// TPM is a running swtpm.
type TPM struct {
	// Addr is HOST:PORT of the TPM command channel.
	Addr string
	// CtrlAddr is HOST:PORT of swtpm's control channel.
	CtrlAddr string
	// StateDir holds the TPM's persistent state.
	StateDir string

	stop func()
}

// Stop ends the swtpm now, before the test ends; StartWithState on the same
// directory then boots the TPM again with its persistent objects.
func (s *TPM) Stop() { s.stop() }

// Device is the device string of the TPM attester: "tcp://HOST:PORT".
func (s *TPM) Device() string { return "tcp://" + s.Addr }

// Start runs a swtpm for t, with its state in a new temporary directory.
func Start(t testing.TB) *TPM {
	t.Helper()
	return StartWithState(t, t.TempDir())
}

// StartWithState runs a swtpm for t on the state in dir, so that a test can
// restart a TPM and keep its persistent objects.
func StartWithState(t testing.TB, dir string) *TPM {
	t.Helper()
	bin, err := exec.LookPath("swtpm")
	if err != nil {
		t.Fatalf("swtpm not found: %s", MissingMessage)
	}
	var lastErr error
	// Free ports can be taken between choosing and binding: try again.
	for range startAttempts {
		tpm, err := start(t, bin, dir)
		if err == nil {
			return tpm
		}
		lastErr = err
	}
	t.Fatalf("swtpm: %v", lastErr)
	return nil
}

func start(t testing.TB, bin, dir string) (*TPM, error) {
	port, err := freePortPair()
	if err != nil {
		return nil, err
	}
	s := &TPM{
		Addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		CtrlAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)),
		StateDir: dir,
	}
	cmd := exec.Command(bin, "socket", "--tpm2",
		"--tpmstate", "dir="+dir,
		"--server", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port),
		"--ctrl", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port+1),
		"--flags", "startup-clear")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	// exited closes once Wait has returned waitErr.
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := sync.OnceFunc(func() {
		_ = cmd.Process.Kill()
		<-exited // the exit status of a kill says nothing
	})
	s.stop = stop
	deadline := time.Now().Add(readyWithin)
	for {
		select {
		case <-exited:
			return nil, fmt.Errorf("exited before listening (%w): %s", waitErr, stderr.String())
		default:
		}
		conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			_ = conn.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, errors.New("not listening after start-up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(stop)
	return s, nil
}

// freePortPair returns a port P such that P and P+1 were free.
func freePortPair() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		next, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)))
		_ = l.Close()
		if err == nil {
			_ = next.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free pair of loopback ports")
}
