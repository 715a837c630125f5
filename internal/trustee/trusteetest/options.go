package trusteetest

import (
	"context"
	"log/slog"
	"testing"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// Option configures New.
type Option func(*settings)

type settings struct {
	allowSample bool
	tls         bool
	store       storage.Store
	logger      *slog.Logger
	verifiers   map[string]any
	setups      []func(testing.TB, *Trustee) // run through the admin API once serving
}

// WithSampleTEE installs the development resource policy that releases
// resources to the sample TEE (trustee --insecure-allow-sample-tee).
func WithSampleTEE() Option { return func(s *settings) { s.allowSample = true } }

// WithTLS serves HTTPS with a self-signed certificate (RootCAPEM).
func WithTLS() Option { return func(s *settings) { s.tls = true } }

// WithStore serves from store, which the caller owns: two Trustees built
// one after the other over one store are a restart.
func WithStore(store storage.Store) Option { return func(s *settings) { s.store = store } }

// WithLogger sends the server's log to logger, for tests that check why it
// refused something. Without it the log is discarded.
func WithLogger(logger *slog.Logger) Option { return func(s *settings) { s.logger = logger } }

// WithVerifierConfig sets attestation_service.verifier_config, the table
// the TEE verifiers read (e.g. dcap_verifier.root_ca_path), as the
// configuration file would decode it.
func WithVerifierConfig(verifierConfig map[string]any) Option {
	return func(s *settings) { s.verifiers = verifierConfig }
}

// WithResourcePolicy uploads a Rego resource policy through the admin API.
func WithResourcePolicy(rego string) Option {
	return withSetup(func(t testing.TB, tr *Trustee) {
		if err := tr.Admin(t).SetResourcePolicy(context.Background(), []byte(rego)); err != nil {
			t.Fatalf("trusteetest: set resource policy: %v", err)
		}
	})
}

// WithReferenceValue registers a sample reference value (a list holding
// value) through the admin API, for appraisal policies that check it.
func WithReferenceValue(name string, value any) Option {
	return withSetup(func(t testing.TB, tr *Trustee) {
		msg, err := kbsclient.SampleReferenceValueMessage(name, value, false)
		if err == nil {
			err = tr.Admin(t).RegisterReferenceValue(context.Background(), msg)
		}
		if err != nil {
			t.Fatalf("trusteetest: reference value %s: %v", name, err)
		}
	})
}

func withSetup(f func(testing.TB, *Trustee)) Option {
	return func(s *settings) { s.setups = append(s.setups, f) }
}
