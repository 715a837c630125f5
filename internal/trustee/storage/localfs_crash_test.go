package storage_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage/storagetest"
)

// The crash test: a child process overwrites keys in a tight loop and is
// SIGKILLed at a random moment; every key must then hold a whole value.
const (
	crashChildDirEnv = "COCOON_STORAGE_CRASH_CHILD_DIR"
	crashRounds      = 20
	crashKeys        = 4
	crashValueSize   = 64 << 10
	crashCreatedID   = 99 // writer id of the create-only keys
	crashMaxDelay    = 40 * time.Millisecond
	crashNS          = storage.NamespaceRepository
)

func crashKey(k int) string { return fmt.Sprintf("crash/key-%d", k) }

// A write interrupted at any point leaves the old or the new value, never a
// torn one.
func TestLocalFsCrashSafety(t *testing.T) {
	leftTemps := 0
	for round := range crashRounds {
		dir := t.TempDir()
		killWriterMidFlight(t, dir)
		temps, _ := filepath.Glob(filepath.Join(dir, crashNS, "#cocoon-tmp.*"))
		leftTemps += len(temps)
		if err := checkAfterCrash(t, dir); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	t.Logf("%d rounds, %d temp files left by killed writers (all reaped on open)", crashRounds, leftTemps)
}

// killWriterMidFlight runs the test binary as the crash writer on dir (see
// TestMain) and SIGKILLs it at a random moment after its first full round
// of writes.
func killWriterMidFlight(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe() // closing it tells the child to quit
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not get ready: %q, %v; stderr:\n%s", line, err, stderr.String())
	}
	time.Sleep(rand.N(crashMaxDelay))
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("child was not killed by the signal but ended with %v; stderr:\n%s", err, stderr.String())
	}
}

// checkAfterCrash reopens the store a killed writer left and checks that
// every value is whole, and that the overwritten keys hold the values of one
// moment of the writer's loop: a prefix of them from round n, the rest from
// round n-1.
func checkAfterCrash(t *testing.T, dir string) error {
	s, err := storage.OpenLocalFs(dir)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := t.Context()
	seqs := make([]uint64, crashKeys)
	for k := range crashKeys {
		id, seq, err := getChecked(ctx, s, crashKey(k))
		if err != nil {
			return err
		}
		if id != uint64(k) {
			return fmt.Errorf("%s holds the value of %s", crashKey(k), crashKey(int(id)))
		}
		seqs[k] = seq
	}
	for k := 1; k < crashKeys; k++ {
		if seqs[k] > seqs[k-1] || seqs[0]-seqs[k] > 1 {
			return fmt.Errorf("round numbers across the keys %v are not one moment of the writer", seqs)
		}
	}
	keys, err := s.List(ctx, crashNS)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if _, _, err := getChecked(ctx, s, key); err != nil {
			return err
		}
	}
	if temps, _ := filepath.Glob(filepath.Join(dir, crashNS, "#cocoon-tmp.*")); len(temps) > 0 {
		return fmt.Errorf("temp files survived OpenLocalFs: %q", temps)
	}
	return nil
}

func getChecked(ctx context.Context, s storage.Store, key string) (id, seq uint64, err error) {
	v, err := s.Get(ctx, crashNS, key)
	if err != nil {
		return 0, 0, err
	}
	if len(v) != crashValueSize {
		return 0, 0, fmt.Errorf("%s: %d bytes, want %d", key, len(v), crashValueSize)
	}
	id, seq, err = storagetest.ParseCheckedValue(v)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", key, err)
	}
	return id, seq, nil
}

// TestMain turns the test binary into the crash writer when the parent
// test asks for it, instead of running the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildDirEnv); dir != "" {
		runCrashWriter(dir)
	}
	os.Exit(m.Run())
}

// runCrashWriter is the writer TestLocalFsCrashSafety kills; it never
// returns. Each round overwrites every crash key in order, creates a key
// without overwrite and deletes an older one, so that all of rename, link
// and unlink get interrupted.
func runCrashWriter(dir string) {
	go func() { // the parent died without killing us
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(2)
	}()
	s, err := storage.OpenLocalFs(dir)
	if err != nil {
		crashChildFail(err)
	}
	ctx := context.Background()
	for seq := uint64(0); ; seq++ {
		for k := range crashKeys {
			v := storagetest.NewCheckedValue(uint64(k), seq, crashValueSize)
			if err := s.Set(ctx, crashNS, crashKey(k), v, true); err != nil {
				crashChildFail(err)
			}
		}
		created := fmt.Sprintf("created/%d", seq)
		v := storagetest.NewCheckedValue(crashCreatedID, seq, crashValueSize)
		if err := s.Set(ctx, crashNS, created, v, false); err != nil {
			crashChildFail(err)
		}
		if seq >= 2 {
			if err := s.Delete(ctx, crashNS, fmt.Sprintf("created/%d", seq-2)); err != nil {
				crashChildFail(err)
			}
		}
		if seq == 0 {
			fmt.Println("ready")
		}
	}
}

func crashChildFail(err error) {
	fmt.Fprintln(os.Stderr, strings.TrimSpace(err.Error()))
	os.Exit(1)
}
