package trusteetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Request is a request the server received over the network, with the
// status it answered: tests check what a client put on the wire.
type Request struct {
	Method string
	Path   string
	Query  string // raw, as sent
	Header http.Header
	Body   []byte
	Status int
}

// requestLog wraps the server's handler and keeps every request.
type requestLog struct {
	next http.Handler
	mu   sync.Mutex
	seen []Request
}

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "trusteetest: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	l.next.ServeHTTP(sw, r)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Status: sw.status,
	})
}

// statusWriter remembers the status the handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Requests returns every request received so far, oldest first, the
// setup's admin calls included.
func (tr *Trustee) Requests() []Request {
	tr.log.mu.Lock()
	defer tr.log.mu.Unlock()
	return append([]Request(nil), tr.log.seen...)
}

// Count returns how many requests matched method and path.
func (tr *Trustee) Count(method, path string) int {
	n := 0
	for _, r := range tr.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// LastRequest returns the last request received.
func (tr *Trustee) LastRequest(t testing.TB) Request {
	t.Helper()
	seen := tr.Requests()
	if len(seen) == 0 {
		t.Fatal("trusteetest: no request received")
	}
	return seen[len(seen)-1]
}

// Attestations returns the /attest bodies the server accepted.
func (tr *Trustee) Attestations(t testing.TB) []kbs.Attestation {
	t.Helper()
	var atts []kbs.Attestation
	for _, r := range tr.Requests() {
		if r.Method != http.MethodPost || r.Path != "/kbs/v0/attest" || r.Status != http.StatusOK {
			continue
		}
		var att kbs.Attestation
		if err := json.Unmarshal(r.Body, &att); err != nil {
			t.Fatalf("trusteetest: accepted /attest body %s: %v", r.Body, err)
		}
		atts = append(atts, att)
	}
	return atts
}
