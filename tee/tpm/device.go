package tpm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpm2/transport/linuxtpm"
)

// ErrNoDevice means no TPM device was found.
var ErrNoDevice = errors.New("tpm: no TPM device found")

// DefaultDevices are tried in order when no device is configured: the
// kernel's resource manager first, so that other TPM users can coexist.
var DefaultDevices = []string{"/dev/tpmrm0", "/dev/tpm0", "/dev/tpm1", "/dev/tpm2"}

// tcpScheme selects a TPM simulator speaking raw TPM 2.0 commands over TCP,
// such as swtpm's --server type=tcp.
const tcpScheme = "tcp://"

const (
	// commandTimeout bounds one TPM command over TCP; key creation on a
	// software TPM takes seconds, not minutes.
	commandTimeout = 2 * time.Minute
	// maxResponse is the largest TPM response accepted (TPM2_MAX_COMMAND_SIZE
	// is 4 KiB on PC TPMs; simulators allow more).
	maxResponse  = 64 << 10
	tpmHeaderLen = 10
)

// DetectDevice returns the first of DefaultDevices that exists.
func DetectDevice() (string, error) {
	for _, dev := range DefaultDevices {
		if _, err := os.Stat(dev); err == nil {
			return dev, nil
		}
	}
	return "", ErrNoDevice
}

// openDevice opens a character device or, for "tcp://HOST:PORT", a TCP
// connection to a TPM simulator.
func openDevice(ctx context.Context, device string) (transport.TPMCloser, error) {
	if addr, ok := strings.CutPrefix(device, tcpScheme); ok {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("tpm: connect to %s: %w", device, err)
		}
		return &streamTPM{conn: conn}, nil
	}
	t, err := linuxtpm.Open(device)
	if err != nil {
		return nil, fmt.Errorf("tpm: open %s: %w", device, err)
	}
	return t, nil
}

// streamTPM sends TPM commands over a byte stream and reads back exactly
// one response, whose size is in its header: a stream may split it.
type streamTPM struct {
	mu   sync.Mutex
	conn net.Conn
}

func (s *streamTPM) Send(command []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.conn.SetDeadline(time.Now().Add(commandTimeout)); err != nil {
		return nil, err
	}
	if _, err := s.conn.Write(command); err != nil {
		return nil, fmt.Errorf("tpm: send command: %w", err)
	}
	header := make([]byte, tpmHeaderLen)
	if _, err := io.ReadFull(s.conn, header); err != nil {
		return nil, fmt.Errorf("tpm: read response: %w", err)
	}
	size := binary.BigEndian.Uint32(header[2:])
	if size < tpmHeaderLen || size > maxResponse {
		return nil, fmt.Errorf("tpm: response size %d out of range", size)
	}
	rsp := make([]byte, size)
	copy(rsp, header)
	if _, err := io.ReadFull(s.conn, rsp[tpmHeaderLen:]); err != nil {
		return nil, fmt.Errorf("tpm: read response: %w", err)
	}
	return rsp, nil
}

func (s *streamTPM) Close() error { return s.conn.Close() }
