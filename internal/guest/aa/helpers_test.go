package aa

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/ttrpc"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// shortTempDir is a temporary directory short enough for a socket path.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "aa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// testEventLog puts the AAEL files of a test in its own directory.
func testEventLog(t testing.TB) eventlog.Config {
	dir := t.TempDir()
	return eventlog.Config{Path: filepath.Join(dir, "eventlog"), WALPath: filepath.Join(dir, ".wal")}
}

func newAgent(t testing.TB, opts Options) *Agent {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	if opts.EventLog.Path == "" {
		opts.EventLog = testEventLog(t)
	}
	a, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// serve runs agent's ttRPC service on a unix socket and returns its
// unix:// address.
func serve(t testing.TB, agent *Agent) string {
	t.Helper()
	addr := "unix://" + filepath.Join(shortTempDir(t), "aa.sock")
	l, err := ListenUnix(addr)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	NewService(agent).RegisterTTRPC(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(context.Background(), l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return addr
}

func dialUnix(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("unix", strings.TrimPrefix(addr, "unix://"))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// client is containerd/ttrpc's client of the service at addr.
func client(t testing.TB, addr string) pb.TTRPCAttestationAgentServiceService {
	t.Helper()
	c := ttrpc.NewClient(dialUnix(t, addr))
	t.Cleanup(func() { _ = c.Close() })
	return pb.NewTTRPCAttestationAgentServiceClient(c)
}

// boundTEE is the sample TEE launched with an init-data digest: its
// BindInitData accepts only that digest, as TDX's MRCONFIGID check does.
type boundTEE struct {
	attester.Sample
	digest []byte
}

func (b *boundTEE) BindInitData(_ context.Context, digest []byte) error {
	if subtle.ConstantTimeCompare(kbs.Regularize(digest, 48), b.digest) != 1 {
		return errors.New("MRCONFIGID differs")
	}
	return nil
}
