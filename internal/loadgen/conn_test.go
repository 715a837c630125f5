package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoServer answers every request with its method and body, and counts
// the connections it accepted.
type echoServer struct {
	*httptest.Server
	mu    sync.Mutex
	conns int
}

func newEchoServer(t *testing.T, handler http.HandlerFunc) *echoServer {
	t.Helper()
	s := &echoServer{}
	if handler == nil {
		handler = func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			_, _ = io.WriteString(w, r.Method+" "+string(body))
		}
	}
	s.Server = httptest.NewUnstartedServer(handler)
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *echoServer) accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func newTestTransport(t *testing.T, s *echoServer) (*connTransport, *http.Client) {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := newConnTransport(u.Scheme, u.Host, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: transport}
	t.Cleanup(client.CloseIdleConnections)
	return transport, client
}

func post(t *testing.T, client *http.Client, url, body string) string {
	t.Helper()
	resp, err := client.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

func TestConnTransportKeepsOneConnection(t *testing.T) {
	s := newEchoServer(t, nil)
	_, client := newTestTransport(t, s)
	for i, body := range []string{"one", "two", strings.Repeat("x", 100_000)} {
		if got := post(t, client, s.URL, body); got != "POST "+body {
			t.Fatalf("request %d answered %.40q", i, got)
		}
	}
	if n := s.accepted(); n != 1 {
		t.Errorf("server accepted %d connections for 3 requests, want 1", n)
	}
}

// A kept connection the server dropped while idle is replaced, and the
// request (body included) is sent again on the new one.
func TestConnTransportRedialsAfterServerDropsIdleConnection(t *testing.T) {
	s := newEchoServer(t, nil)
	_, client := newTestTransport(t, s)
	post(t, client, s.URL, "first")
	s.CloseClientConnections()
	if got := post(t, client, s.URL, "second"); got != "POST second" {
		t.Fatalf("after the server dropped the connection: %q", got)
	}
	if n := s.accepted(); n != 2 {
		t.Errorf("server accepted %d connections, want 2", n)
	}
}

// A response that closes the connection, or a body not read to its end,
// leaves no connection behind for the next request to trip on.
func TestConnTransportDropsUnusableConnections(t *testing.T) {
	s := newEchoServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		_, _ = io.WriteString(w, strings.Repeat("y", 64<<10))
	})
	transport, client := newTestTransport(t, s)
	resp, err := client.Get(s.URL + "/close")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if transport.conn != nil {
		t.Error("connection kept after Connection: close")
	}
	resp, err = client.Get(s.URL + "/partial")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // unread
	if transport.conn != nil {
		t.Error("connection kept with an unread body on it")
	}
	if got, err := client.Get(s.URL + "/next"); err != nil {
		t.Fatalf("next request: %v", err)
	} else {
		_ = got.Body.Close()
	}
}

func TestConnTransportCancel(t *testing.T) {
	release := make(chan struct{})
	s := newEchoServer(t, func(w http.ResponseWriter, _ *http.Request) { <-release })
	t.Cleanup(func() { close(release) })
	transport, client := newTestTransport(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond) // let the request reach the server
		cancel()
	}()
	resp, err := client.Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: err = %v, want context.Canceled", err)
	}
	if transport.conn != nil {
		t.Error("connection kept after a cancelled request")
	}
}

func TestNewConnTransportRefusesOtherSchemes(t *testing.T) {
	if _, err := newConnTransport("ftp", "127.0.0.1:21", nil); err == nil {
		t.Fatal("ftp accepted")
	}
	tr, err := newConnTransport("https", "kbs.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.addr != "kbs.example:443" || tr.tls == nil || tr.tls.ServerName != "kbs.example" {
		t.Errorf("https transport: addr %q, tls %+v", tr.addr, tr.tls)
	}
}

func TestStartClock(t *testing.T) {
	ctx := context.Background()
	begin := time.Now().Add(-time.Hour) // every scheduled start is past: no waiting
	open := newStartClock(begin, 1000)
	for k := range 3 {
		at, ok := open.await(ctx)
		if want := begin.Add(time.Duration(k) * time.Millisecond); !ok || !at.Equal(want) {
			t.Fatalf("start %d = %v, %v; want %v", k, at, ok, want)
		}
	}
	closed := newStartClock(begin, 0)
	if at, ok := closed.await(ctx); !ok || at.Before(begin.Add(time.Hour-time.Minute)) {
		t.Fatalf("closed loop start = %v, %v; want now", at, ok)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok := newStartClock(time.Now().Add(time.Hour), 1).await(cancelled); ok {
		t.Error("await returned ok for a cancelled context")
	}
	if _, ok := closed.await(cancelled); ok {
		t.Error("closed loop await returned ok for a cancelled context")
	}
}
