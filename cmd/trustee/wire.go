package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cocoon-cc/cocoon/internal/trustee/admin"
	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
	"github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/plugin"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/rvps"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
)

// trustee is a wired server: its handler and what must run and close with it.
type trustee struct {
	handler  http.Handler
	sessions *kbs.SessionStore
	stores   *stores
}

// build wires every Trustee component from a validated configuration.
func build(ctx context.Context, cfg *config.Config, allowSample bool, logger *slog.Logger) (_ *trustee, err error) {
	if cfg.AttestationService.Type != config.ASBuiltin {
		return nil, fmt.Errorf("attestation_service.type %q: only %q is implemented", cfg.AttestationService.Type, config.ASBuiltin)
	}
	st := newStores(cfg)
	defer func() {
		if err != nil {
			st.close(logger)
		}
	}()
	mainStore, err := st.open(cfg.StorageBackend.StorageType)
	if err != nil {
		return nil, err
	}
	sessionStore, err := st.open(cfg.SessionStorage())
	if err != nil {
		return nil, err
	}
	asStore, err := st.open(cfg.ASStorage())
	if err != nil {
		return nil, err
	}
	rvStore, err := st.open(cfg.RVPSStorage())
	if err != nil {
		return nil, err
	}

	m := metrics.New(buildInfo())
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
		return nil, fmt.Errorf("attestation_service.attestation_token_broker: %w", err)
	}
	tt := cfg.AttestationToken
	// The built-in AS signs with issuer's key: trust it by configuration, so
	// that the all-in-one server needs no insecure_header_jwk.
	tokens, err := token.NewVerifier(token.VerifierConfig{
		TrustedCertsPaths: tt.TrustedCertsPaths, TrustedJWKSets: tt.TrustedJWKSets,
		InsecureHeaderJWK: tt.InsecureHeaderJWK, ExtraTeeKeyPaths: tt.ExtraTEEKeyPaths,
	}, logger, token.WithTrustedKey(issuer.PublicKey()))
	if err != nil {
		return nil, fmt.Errorf("attestation_token: %w", err)
	}

	verifiers, err := newVerifiers()
	if err != nil {
		return nil, err
	}
	engine := policy.NewEngine(logger)
	refValues := rvps.New(rvStore, logger)
	attestation, err := as.New(as.Config{VerboseToken: broker.VerboseToken}, as.Deps{
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
	server, err := kbs.New(kbs.Config{MaxRequestBytes: cfg.HTTPServer.MaxRequestBytes()}, kbs.Deps{
		Store: mainStore, Sessions: sessions, AS: attestation, Verifiers: verifiers, RVPS: refValues,
		Tokens: tokens, Policy: engine, Admin: authz, Plugins: plugins, Metrics: m, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	if err := server.InstallDefaultResourcePolicy(ctx, allowSample); err != nil {
		return nil, err
	}
	return &trustee{handler: server.Handler(), sessions: sessions, stores: st}, nil
}

// newVerifiers registers the TEE verifiers Cocoon implements.
func newVerifiers() (*verifier.Registry, error) {
	r := verifier.NewRegistry()
	for tee, v := range map[protocol.Tee]verifier.Verifier{
		protocol.TeeSample:       sample.CPU{},
		protocol.TeeSampleDevice: sample.Device{},
	} {
		if err := r.Register(tee, v); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// newPlugins builds the [[plugins]] the configuration lists.
func newPlugins(cfgs []config.Plugin, store storage.Store, m *metrics.Metrics, logger *slog.Logger) (*plugin.Set, error) {
	var plugins []plugin.Plugin
	for i, c := range cfgs {
		switch {
		case c.Name == config.PluginResource && c.StorageBackendType == config.ResourceKVStorage:
			plugins = append(plugins, plugin.NewResource(store, m, logger))
		case c.Name == config.PluginSample:
			plugins = append(plugins, plugin.Sample{})
		default:
			return nil, fmt.Errorf("plugins[%d]: plugin %q with backend %q is not implemented", i, c.Name, c.StorageBackendType)
		}
	}
	return plugin.NewSet(plugins...)
}

// stores opens each configured storage backend once, so that namespaces
// configured on the same backend share it.
type stores struct {
	cfg    *config.Config
	opened map[config.StorageType]storage.Store
}

func newStores(cfg *config.Config) *stores {
	return &stores{cfg: cfg, opened: make(map[config.StorageType]storage.Store)}
}

func (s *stores) open(t config.StorageType) (storage.Store, error) {
	if st, ok := s.opened[t]; ok {
		return st, nil
	}
	var (
		st  storage.Store
		err error
	)
	switch t {
	case config.StorageMemory:
		st = storage.NewMemory()
	case config.StorageLocalFs:
		dir := s.cfg.StorageBackend.Backends.LocalFs.DirPath
		if st, err = storage.OpenLocalFs(dir); err != nil {
			return nil, fmt.Errorf("storage_backend.backends.local_fs: %w", err)
		}
	default:
		return nil, fmt.Errorf("storage type %q is not implemented (Memory, LocalFs)", t)
	}
	s.opened[t] = st
	return st, nil
}

func (s *stores) close(logger *slog.Logger) {
	var errs []error
	for _, st := range s.opened {
		errs = append(errs, st.Close())
	}
	if err := errors.Join(errs...); err != nil {
		logger.Warn("closing storage", slog.String("error", err.Error()))
	}
}
