package aa

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// DefaultSocket is upstream's --attestation_sock default.
const DefaultSocket = "unix:///run/confidential-containers/attestation-agent/attestation-agent.sock"

const unixScheme = "unix://"

// socketMode keeps the socket to root, the only user of the guest's
// agents (kata-agent, CDH, api-server-rest).
const socketMode = 0o600

// ListenUnix listens on a unix:///path address, creating the directory
// and replacing a stale socket. Only sockets are replaced: another kind
// of file at the path is an error, not something to delete.
func ListenUnix(addr string) (net.Listener, error) {
	path, ok := strings.CutPrefix(addr, unixScheme)
	if !ok || path == "" {
		return nil, fmt.Errorf("aa: socket address %q: want unix:///path", addr)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("aa: socket directory: %w", err)
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("aa: listen: %w", err)
	}
	if err := os.Chmod(path, socketMode); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("aa: socket mode: %w", err)
	}
	return l, nil
}

func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("aa: socket path: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("aa: %s exists and is not a socket", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("aa: remove stale socket: %w", err)
	}
	return nil
}
