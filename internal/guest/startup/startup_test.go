package startup

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/containerd/ttrpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

func TestSetMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	debug.SetMemoryLimit(1 << 40) // as if GOMEMLIMIT=1TiB
	env := map[string]string{EnvMemoryLimit: "1TiB"}
	if got := SetMemoryLimit(func(k string) string { return env[k] }); got != 1<<40 || debug.SetMemoryLimit(-1) != 1<<40 {
		t.Errorf("GOMEMLIMIT set: limit %d, want the runtime's 1 TiB kept", got)
	}
	if got := SetMemoryLimit(func(string) string { return "" }); got != DefaultMemoryLimit || debug.SetMemoryLimit(-1) != DefaultMemoryLimit {
		t.Errorf("GOMEMLIMIT unset: limit %d, want %d", got, DefaultMemoryLimit)
	}
}

func TestParseLevel(t *testing.T) {
	for name, want := range map[string]slog.Level{
		"trace": slog.LevelDebug, "DEBUG": slog.LevelDebug, "": slog.LevelInfo, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError, "off": LevelOff,
	} {
		if got, err := ParseLevel(name); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, bad := range []string{"loud", "info,hyper=warn", "warning"} {
		if _, err := ParseLevel(bad); !errors.Is(err, ErrLogLevel) {
			t.Errorf("ParseLevel(%q) = %v, want ErrLogLevel", bad, err)
		}
	}
}

func TestNewLoggerRUSTLOGWins(t *testing.T) {
	var out bytes.Buffer
	log, err := NewLogger(&out, "error", "debug")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("shown")
	if log, err = NewLogger(&out, "error", ""); err != nil {
		t.Fatal(err)
	}
	log.Warn("hidden")
	if !strings.Contains(out.String(), "shown") || strings.Contains(out.String(), "hidden") {
		t.Errorf("output %q: RUST_LOG=debug must win over error, and error must apply without it", out.String())
	}
	if _, err := NewLogger(&out, "info", "loud"); err == nil || !strings.Contains(err.Error(), EnvLogLevel) {
		t.Errorf("bad RUST_LOG: %v, want an error naming %s", err, EnvLogLevel)
	}
	if _, err := NewLogger(&out, "loud", ""); err == nil || !strings.Contains(err.Error(), "[log] level") {
		t.Errorf("bad [log] level: %v, want an error naming it", err)
	}
}

// ServeTTRPC serves what register puts on the server and, when ctx ends,
// shuts down cleanly and removes the socket.
func TestServeTTRPC(t *testing.T) {
	dir, err := os.MkdirTemp("", "startup")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- ServeTTRPC(ctx, l, func(srv *ttrpc.Server) {
			srv.RegisterService("test.Echo", &ttrpc.ServiceDesc{Methods: map[string]ttrpc.Method{
				"Ping": func(context.Context, func(any) error) (any, error) { return nil, errors.New("pong") },
			}})
		})
	}()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	err = client.Call(t.Context(), "test.Echo", "Ping", &emptypb.Empty{}, &emptypb.Empty{})
	if err == nil || !strings.Contains(err.Error(), "pong") {
		t.Fatalf("call = %v, want the handler's pong", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ServeTTRPC = %v after ctx ended", err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
}
