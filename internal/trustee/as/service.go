package as

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
)

// Config tunes the Attestation Service. Start from DefaultConfig: the zero
// value turns VerboseToken off.
type Config struct {
	// VerboseToken keeps "additional-evidence" in each submodule's
	// runtime_data_claims. With many devices that evidence can push a
	// Bearer token past HTTP header limits (upstream issue #1563), which is
	// why it can be turned off. Upstream's default is true.
	VerboseToken bool
}

// DefaultConfig is upstream's default configuration.
func DefaultConfig() Config {
	return Config{VerboseToken: true}
}

// TokenIssuer signs the attestation token (token.Issuer in production).
type TokenIssuer interface {
	Issue(ctx context.Context, submods map[string]token.Submodule) (string, error)
}

// Deps are the collaborators of a Service.
type Deps struct {
	// Store holds the policies, in storage.NamespaceASPolicy.
	Store    storage.Store
	Policies *policy.Engine
	// ReferenceValues serves query_reference_value; nil means none.
	ReferenceValues policy.RVLookup
	Issuer          TokenIssuer
	Verifiers       *verifier.Registry
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
}

// Service is the Attestation Service. It is safe for concurrent use.
type Service struct {
	cfg       Config
	store     storage.Store
	texts     *storage.Texts // policy texts, read on every appraisal
	policies  *policy.Engine
	rv        policy.RVLookup
	issuer    TokenIssuer
	verifiers *verifier.Registry
	logger    *slog.Logger
}

// New returns a Service. It does not install the default policies; call
// InstallDefaultPolicies at start-up.
func New(cfg Config, d Deps) (*Service, error) {
	switch {
	case d.Store == nil:
		return nil, errors.New("as: new: no store")
	case d.Policies == nil:
		return nil, errors.New("as: new: no policy engine")
	case d.Issuer == nil:
		return nil, errors.New("as: new: no token issuer")
	case d.Verifiers == nil:
		return nil, errors.New("as: new: no verifier registry")
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		cfg:       cfg,
		store:     d.Store,
		texts:     storage.NewTexts(),
		policies:  d.Policies,
		rv:        d.ReferenceValues,
		issuer:    d.Issuer,
		verifiers: d.Verifiers,
		logger:    logger,
	}, nil
}
