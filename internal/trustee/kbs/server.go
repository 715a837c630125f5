// Package kbs is the Key Broker Service HTTP API of Trustee, wire-compatible
// with upstream: the RCAR handshake (/auth, /attest), attestation-gated
// plugins such as /resource, and the admin endpoints.
package kbs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime"

	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/flowsched"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// AttestationService appraises evidence and issues attestation tokens.
type AttestationService interface {
	Evaluate(ctx context.Context, requests []as.VerificationRequest, policyIDs []string) (string, error)
	SetPolicy(ctx context.Context, id, module string) error
}

// ReferenceValues is the reference value provider behind /reference-value.
type ReferenceValues interface {
	Register(ctx context.Context, message []byte) error
	Query(ctx context.Context, id string) (json.RawMessage, error)
}

// TokenVerifier checks attestation tokens presented for resources.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (map[string]any, error)
	TeePubKey(claims map[string]any) (kbs.TeePubKey, error)
}

// ResourcePolicy evaluates and checks KBS resource policies.
type ResourcePolicy interface {
	Allow(ctx context.Context, module string, input any, data map[string]any) (bool, error)
	Check(ctx context.Context, module string, kind policy.Kind) error
}

// AdminAuthorizer decides whether a request may use the admin API.
type AdminAuthorizer interface {
	Authorize(r *http.Request) error
}

// Config is the part of the KBS configuration the HTTP API applies.
type Config struct {
	// MaxRequestBytes bounds request bodies (payload_request_size).
	MaxRequestBytes int64
	// PolicyIDs are the AS policies evaluated at /attest; empty lets the AS
	// choose its defaults per TEE class.
	PolicyIDs []string
	// Workers run the attestation requests, oldest flow first (see
	// flowsched); 0 means one per CPU Go may use (GOMAXPROCS).
	Workers int
}

// Deps are the services the KBS wires together. All are required.
type Deps struct {
	// Store holds the resource policy (namespace kbs).
	Store     storage.Store
	Sessions  *SessionStore
	AS        AttestationService
	Verifiers *verifier.Registry // the TEEs /auth accepts
	RVPS      ReferenceValues
	Tokens    TokenVerifier
	Policy    ResourcePolicy
	Admin     AdminAuthorizer
	Plugins   *plugin.Set
	Metrics   *metrics.Metrics
	Logger    *slog.Logger
}

// Server serves the KBS API.
type Server struct {
	cfg       Config
	store     storage.Store
	texts     *storage.Texts // the resource policy, read on every request
	sessions  *SessionStore
	as        AttestationService
	verifiers *verifier.Registry
	rvps      ReferenceValues
	tokens    TokenVerifier
	policy    ResourcePolicy
	admin     AdminAuthorizer
	plugins   *plugin.Set
	metrics   *metrics.Metrics
	logger    *slog.Logger
	flows     *flowsched.Scheduler
}

// New checks deps and returns the server. Call InstallDefaultResourcePolicy
// before serving.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.Store == nil || deps.Sessions == nil || deps.AS == nil || deps.Verifiers == nil ||
		deps.RVPS == nil || deps.Tokens == nil || deps.Policy == nil || deps.Admin == nil ||
		deps.Plugins == nil || deps.Metrics == nil || deps.Logger == nil {
		return nil, errors.New("kbs: every dependency is required")
	}
	if cfg.MaxRequestBytes <= 0 {
		return nil, errors.New("kbs: MaxRequestBytes must be positive")
	}
	if cfg.Workers < 0 {
		return nil, errors.New("kbs: Workers must not be negative")
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Server{
		cfg: cfg, store: deps.Store, texts: storage.NewTexts(), sessions: deps.Sessions, as: deps.AS, verifiers: deps.Verifiers,
		rvps: deps.RVPS, tokens: deps.Tokens, policy: deps.Policy, admin: deps.Admin,
		plugins: deps.Plugins, metrics: deps.Metrics, logger: deps.Logger,
		flows: flowsched.New(workers),
	}, nil
}

// Close stops the request workers after the requests they hold.
func (s *Server) Close() { s.flows.Close() }
