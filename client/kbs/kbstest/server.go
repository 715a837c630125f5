// Package kbstest runs an in-process KBS that speaks protocol 0.4.0 the way
// Trustee does, for testing KBS clients: real sessions with Expires-only
// cookies, hash negotiation, runtime-data digests recomputed from the
// parsed request and checked against sample evidence, signed attestation
// tokens, resources sealed with the protocol's JWE, EdDSA admin tokens and
// Trustee's error bodies and status codes. It is a conformance double, not a
// mock: a client passes only if it gets the protocol right.
//
// It verifies only the "sample" TEE (with "sampledevice" devices) and, in
// place of a Rego resource policy, releases every resource unless told to
// deny.
package kbstest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

const (
	apiPrefix      = "/kbs/v0/"
	sessionTimeout = 5 * time.Minute // Trustee's default
	maxBody        = 2 << 20         // Trustee's default payload limit
)

// Server is the running double. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	adminKey   ed25519.PublicKey
	tokenKey   *ecdsa.PrivateKey
	selectHash kbs.HashAlgorithm
	tokenTTL   time.Duration
	now        func() time.Time
	tls        bool

	mu              sync.Mutex
	sessions        map[string]*session
	resources       map[string][]byte
	attestPolicies  map[string][]byte
	resourcePolicy  []byte
	referenceValues map[string]json.RawMessage
	denyResources   bool
	requests        []Request
	attestations    []kbs.Attestation
}

// Request is a request the server received, recorded for assertions.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// Option configures New.
type Option func(*Server)

// WithAdminKey sets the Ed25519 key admin tokens must be signed with;
// without it every admin call is refused.
func WithAdminKey(pub ed25519.PublicKey) Option { return func(s *Server) { s.adminKey = pub } }

// WithSelectedHash makes the challenge select alg, as Trustee does for IBM
// SE and Intel Trust Authority; by default it sends the legacy "" and the
// client must fall back to SHA-384.
func WithSelectedHash(alg kbs.HashAlgorithm) Option { return func(s *Server) { s.selectHash = alg } }

// WithTokenTTL sets the attestation token lifetime (default 5 minutes).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithTLS serves HTTPS with httptest's self-signed certificate.
func WithTLS() Option { return func(s *Server) { s.tls = true } }

// New starts a server, stopped when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	tokenKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("kbstest: token key: %v", err)
	}
	s := &Server{
		tokenKey:        tokenKey,
		tokenTTL:        sessionTimeout,
		now:             time.Now,
		sessions:        map[string]*session{},
		resources:       map[string][]byte{},
		attestPolicies:  map[string][]byte{},
		referenceValues: map[string]json.RawMessage{},
	}
	for _, opt := range opts {
		opt(s)
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Refused TLS handshakes are expected in tests; keep them off stderr.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if s.tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, kbs.ErrHTTPFailed, "payload reached size limit")
		return
	}
	s.record(r, body)
	route, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		writeError(w, kbs.ErrInvalidRequestPath, "not a KBS path")
		return
	}
	first, rest, _ := strings.Cut(route, "/")
	switch {
	case first == "auth" && r.Method == http.MethodPost:
		s.handleAuth(w, body)
	case first == "attest" && r.Method == http.MethodPost:
		s.handleAttest(w, r, body)
	case first == "attestation-policy" && r.Method == http.MethodPost:
		s.admin(w, r, func() { s.handleSetAttestationPolicy(w, body) })
	case first == "resource-policy" && r.Method == http.MethodPost:
		s.admin(w, r, func() { s.handleSetResourcePolicy(w, body) })
	case first == "resource-policy" && r.Method == http.MethodGet:
		s.admin(w, r, func() { s.handleGetResourcePolicy(w) })
	case first == "reference-value" && r.Method == http.MethodPost:
		s.admin(w, r, func() { s.handleRegisterReferenceValue(w, body) })
	case first == "reference-value" && r.Method == http.MethodGet:
		s.admin(w, r, func() { s.handleGetReferenceValue(w, rest) })
	case first == "resource":
		s.handleResource(w, r, rest, body)
	case first == echoPlugin && r.Method == http.MethodGet:
		s.handleEcho(w, r, rest)
	default:
		writeError(w, kbs.ErrPluginNotFound, "plugin "+first+" not found")
	}
}

func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
	})
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests matched method and path.
func (s *Server) Count(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// Attestations returns every Attestation that passed verification.
func (s *Server) Attestations() []kbs.Attestation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]kbs.Attestation(nil), s.attestations...)
}

// ExpireSessions forgets every session, as a KBS restart or timeout would.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]*session{}
}

// DenyResources makes the resource policy refuse (true) or allow (false).
func (s *Server) DenyResources(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyResources = deny
}

// SetResource stores a resource directly, bypassing the admin API.
func (s *Server) SetResource(path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resources[path] = append([]byte(nil), data...)
}

// Resource returns a stored resource.
func (s *Server) Resource(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.resources[path]
	return b, ok
}

// AttestationPolicy returns the policy text stored under id.
func (s *Server) AttestationPolicy(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.attestPolicies[id]
	return b, ok
}

// ResourcePolicy returns the stored resource policy text.
func (s *Server) ResourcePolicy() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resourcePolicy
}

// ReferenceValue returns the value registered under name.
func (s *Server) ReferenceValue(name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.referenceValues[name]
	return v, ok
}

func writeError(w http.ResponseWriter, v kbs.ErrorVariant, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(v.HTTPStatus())
	_ = json.NewEncoder(w).Encode(kbs.NewErrorInformation(v, detail))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
