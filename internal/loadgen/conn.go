package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

const dialTimeout = 10 * time.Second

// connTransport is one simulated guest's HTTP/1.1 keep-alive connection:
// each request is written and its response read on the caller's goroutine,
// one at a time, as a guest's attestation agent talks to its KBS. The
// standard Transport hands every request to two goroutines of its own per
// connection; here the load generator shares the CPUs with the server it
// measures, and those hand-offs took CPU and added scheduling delay to
// every request. It is not safe for concurrent use: each worker has its
// own.
type connTransport struct {
	addr string
	tls  *tls.Config // nil for plain HTTP

	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
}

func newConnTransport(scheme, host string, tlsConfig *tls.Config) (*connTransport, error) {
	t := &connTransport{addr: host}
	switch scheme {
	case "http":
		if _, _, err := net.SplitHostPort(host); err != nil {
			t.addr = net.JoinHostPort(host, "80")
		}
	case "https":
		if _, _, err := net.SplitHostPort(host); err != nil {
			t.addr = net.JoinHostPort(host, "443")
		}
		cfg := tlsConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(t.addr)
		}
		t.tls = cfg
	default:
		return nil, fmt.Errorf("URL scheme %q: want http or https", scheme)
	}
	return t, nil
}

// RoundTrip sends req on the kept connection, dialling first if there is
// none. A request that finds a kept connection closed by the server before
// any response byte was never served, so it is sent once more on a new
// connection, as net/http's Transport does.
func (t *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	reused := t.conn != nil
	resp, err := t.roundTrip(req)
	if err == nil || !reused || !neverServed(err) {
		return resp, err
	}
	if req.Body != nil {
		if req.GetBody == nil {
			return nil, err
		}
		if req.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return t.roundTrip(req)
}

func (t *connTransport) roundTrip(req *http.Request) (*http.Response, error) {
	if t.conn == nil {
		if err := t.dial(req.Context()); err != nil {
			return nil, err
		}
	}
	// Cancelling the request unblocks the read or write in progress.
	conn := t.conn
	stop := context.AfterFunc(req.Context(), func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	resp, err := t.exchange(req)
	if !stop() || err != nil {
		t.closeConn()
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if err == nil {
			err = errors.New("request cancelled")
		}
		return nil, err
	}
	return resp, nil
}

func (t *connTransport) exchange(req *http.Request) (*http.Response, error) {
	if err := req.Write(t.bw); err != nil {
		return nil, err
	}
	if err := t.bw.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(t.br, req)
	if err != nil {
		return nil, err
	}
	resp.Body = &keptBody{ReadCloser: resp.Body, t: t, last: resp.Close}
	return resp, nil
}

func (t *connTransport) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return err
	}
	if t.tls != nil {
		tc := tls.Client(conn, t.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return err
		}
		conn = tc
	}
	t.conn, t.br, t.bw = conn, bufio.NewReader(conn), bufio.NewWriter(conn)
	return nil
}

func (t *connTransport) closeConn() {
	if t.conn != nil {
		_ = t.conn.Close() // the connection is being dropped either way
		t.conn = nil
	}
}

// CloseIdleConnections closes the kept connection (http.Client calls it).
func (t *connTransport) CloseIdleConnections() { t.closeConn() }

// neverServed reports an error that a kept connection gives when the server
// had closed it before reading the request.
func neverServed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// keptBody keeps the connection for the next request once the body is read
// to its end and closed; a body closed early, a read error or a response
// that ends the connection drops it.
type keptBody struct {
	io.ReadCloser
	t    *connTransport
	last bool // the server closes the connection after this response
	eof  bool
	done bool
}

func (b *keptBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	} else if err != nil {
		b.last = true
	}
	return n, err
}

func (b *keptBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	err := b.ReadCloser.Close()
	if !b.eof || b.last || err != nil {
		b.t.closeConn()
	}
	return err
}
