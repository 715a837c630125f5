package restapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
)

// callTimeout is upstream's ttRPC timeout for every call (50 s).
const callTimeout = 50 * time.Second

// Default ttRPC addresses of the services, upstream's.
const (
	DefaultAAAddr  = "unix:///run/confidential-containers/attestation-agent/attestation-agent.sock"
	DefaultCDHAddr = "unix:///run/confidential-containers/cdh.sock"
)

const unixScheme = "unix://"

// ErrAddress is returned for a service address that is not unix://path.
var ErrAddress = errors.New("ttrpc address")

// summaryError carries the one line upstream answers with (the outermost
// context of its error chain) above the cause, which only gets logged.
type summaryError struct {
	summary string
	err     error
}

func (e *summaryError) Error() string { return e.summary + ": " + e.err.Error() }
func (e *summaryError) Unwrap() error { return e.err }

// defaultSummary is upstream's answer for a failed call.
const defaultSummary = "ttrpc request error"

// summary is the body of a 500 for err.
func summary(err error) string {
	if se, ok := errors.AsType[*summaryError](err); ok {
		return se.summary
	}
	return defaultSummary
}

// conn is one ttRPC connection to a service, made on first use (the
// service may start after us, as upstream allows) and made again when the
// service closed it.
type conn struct {
	name, addr, path string

	mu     sync.Mutex
	client *ttrpc.Client
}

func newConn(name, addr string) (*conn, error) {
	path, ok := strings.CutPrefix(addr, unixScheme)
	if !ok || path == "" {
		return nil, fmt.Errorf("%w: %s address %q: want unix:///path", ErrAddress, name, addr)
	}
	return &conn{name: name, addr: addr, path: path}, nil
}

func (c *conn) get(ctx context.Context) (*ttrpc.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client != nil {
		return c.client, nil
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", c.path)
	if err != nil {
		return nil, err
	}
	c.client = ttrpc.NewClient(nc)
	return c.client, nil
}

// forget drops client if it is still the current one.
func (c *conn) forget(client *ttrpc.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == client {
		_ = c.client.Close()
		c.client = nil
	}
}

// Close closes the connection, if any.
func (c *conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		return nil
	}
	err := c.client.Close()
	c.client = nil
	return err
}

// call runs f on the connection within upstream's timeout. When the
// service had closed the connection it reconnects and retries once, as
// upstream's CachedTtrpcClient does; any other failure is final.
func call[T any](ctx context.Context, c *conn, f func(context.Context, *ttrpc.Client) (T, error)) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	client, err := c.get(ctx)
	if err != nil {
		return zero, &summaryError{fmt.Sprintf("ttrpc connect to %s addr: %s failed", c.name, c.addr), err}
	}
	resp, err := f(ctx, client)
	if errors.Is(err, ttrpc.ErrClosed) {
		c.forget(client)
		if client, err = c.get(ctx); err != nil {
			return zero, &summaryError{fmt.Sprintf("failed to reconnect to %s after LocalClosed", c.name), err}
		}
		if resp, err = f(ctx, client); err != nil {
			return zero, &summaryError{"ttrpc request error after reconnect", err}
		}
		return resp, nil
	}
	if err != nil {
		return zero, &summaryError{defaultSummary, err}
	}
	return resp, nil
}
