// Package app builds a whole Trustee (KBS, built-in Attestation Service and
// RVPS) from a validated configuration. The trustee command and every test
// that needs a real server use it, so there is one wiring of the system.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/rvps"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
)

// Options are the choices Build takes besides the configuration file.
type Options struct {
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// AllowSampleTEE installs the development resource policy that
	// releases secrets to the sample TEE, which anyone can fake.
	AllowSampleTEE bool
	// Store, when set, serves every namespace in place of the configured
	// storage backends. The caller owns it: Close leaves it open. Tests use
	// it to look at what the server stored and to restart over the same data.
	Store storage.Store
}

// App is a wired Trustee: its HTTP handler and what must run and close with it.
type App struct {
	cfg      config.HTTPServer
	handler  http.Handler
	server   *kbs.Server
	sessions *kbs.SessionStore
	stores   *stores
	logger   *slog.Logger
}

// Build wires every Trustee component from cfg, which must be valid.
func Build(ctx context.Context, cfg *config.Config, opts Options) (_ *App, err error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AttestationService.Type != config.ASBuiltin {
		return nil, fmt.Errorf("attestation_service.type %q: only %q is implemented", cfg.AttestationService.Type, config.ASBuiltin)
	}
	st := newStores(cfg, opts.Store)
	defer func() {
		if err != nil {
			_ = st.close(logger) // logged there; the build error is the one to return
		}
	}()
	mainStore, sessionStore, asStore, rvStore, err := st.openAll()
	if err != nil {
		return nil, err
	}

	m := metrics.New(BuildInfo())
	issuer, tokens, err := newTokens(cfg, logger)
	if err != nil {
		return nil, err
	}
	verifiers, err := NewVerifiers(cfg.AttestationService.VerifierConfig, logger)
	if err != nil {
		return nil, err
	}
	engine := policy.NewEngine(logger)
	m.WatchPolicyDecisions(func(report func(string, uint64, uint64)) {
		for _, kind := range []policy.Kind{policy.KindAppraisal, policy.KindResource} {
			evaluated, remembered := engine.Decisions(kind)
			report(kind.String(), evaluated, remembered)
		}
	})
	refValues := rvps.New(rvStore, logger)
	attestation, err := as.New(as.Config{VerboseToken: cfg.AttestationService.TokenBroker.VerboseToken}, as.Deps{
		Store: asStore, Policies: engine, ReferenceValues: refValues.Query,
		Issuer: issuer, Verifiers: verifiers, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	if err := attestation.InstallDefaultPolicies(ctx); err != nil {
		return nil, err
	}
	authz, err := admin.New(cfg.Admin, logger)
	if err != nil {
		return nil, err
	}
	plugins, err := newPlugins(cfg.Plugins, mainStore, m, logger)
	if err != nil {
		return nil, err
	}
	sessions := kbs.NewSessionStore(sessionStore, cfg.AttestationService.SessionTimeout(), logger)
	server, err := kbs.New(kbs.Config{MaxRequestBytes: cfg.HTTPServer.MaxRequestBytes(), Workers: cfg.HTTPServer.WorkerCount}, kbs.Deps{
		Store: mainStore, Sessions: sessions, AS: attestation, Verifiers: verifiers, RVPS: refValues,
		Tokens: tokens, Policy: engine, Admin: authz, Plugins: plugins, Metrics: m, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	if err := server.InstallDefaultResourcePolicy(ctx, opts.AllowSampleTEE); err != nil {
		server.Close()
		return nil, err
	}
	return &App{cfg: cfg.HTTPServer, handler: server.Handler(), server: server, sessions: sessions, stores: st, logger: logger}, nil
}

// newTokens builds the token issuer of the built-in AS and the KBS's token
// verifier, which trusts that issuer's key by configuration so that the
// all-in-one server needs no insecure_header_jwk.
func newTokens(cfg *config.Config, logger *slog.Logger) (*token.Issuer, *token.Verifier, error) {
	broker := cfg.AttestationService.TokenBroker
	issuerCfg := token.IssuerConfig{
		DurationMin: int(broker.DurationMin), IssuerName: broker.IssuerName, DeveloperName: broker.DeveloperName,
		BuildName: broker.BuildName, ProfileName: broker.ProfileName,
	}
	if s := broker.Signer; s != nil {
		issuerCfg.SignerKeyPath, issuerCfg.SignerCertPath, issuerCfg.SignerCertURL = s.KeyPath, s.CertPath, s.CertURL
	}
	issuer, err := token.NewIssuer(issuerCfg, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("attestation_service.attestation_token_broker: %w", err)
	}
	tt := cfg.AttestationToken
	tokens, err := token.NewVerifier(token.VerifierConfig{
		TrustedCertsPaths: tt.TrustedCertsPaths, TrustedJWKSets: tt.TrustedJWKSets,
		InsecureHeaderJWK: tt.InsecureHeaderJWK, ExtraTeeKeyPaths: tt.ExtraTEEKeyPaths,
	}, logger, token.WithIssuer(issuer))
	if err != nil {
		return nil, nil, fmt.Errorf("attestation_token: %w", err)
	}
	return issuer, tokens, nil
}

// Handler is the whole HTTP surface: the KBS API, /metrics and /healthz.
func (a *App) Handler() http.Handler { return a.handler }

// Close stops the KBS's request workers and releases the storage backends
// Build opened. Stop serving HTTP first.
func (a *App) Close() error {
	a.server.Close()
	return a.stores.close(a.logger)
}
