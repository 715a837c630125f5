// Package admin decides who may call Trustee's admin API (resources,
// policies, reference values), in every mode upstream Trustee offers:
// v0.16 "Simple" personas, HEAD's bearer-JWT authentication with regex
// ACLs, InsecureAllowAll and DenyAll.
//
// Tokens are verified with asymmetric keys only; "none" and HMAC are never
// accepted, and tokens are never logged.
package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// ErrUnauthorized is wrapped by every refusal, with the reason.
var ErrUnauthorized = errors.New("admin: unauthorized")

// Authorizer decides whether r may use the admin API: nil means allowed.
type Authorizer interface {
	Authorize(r *http.Request) error
}

// leeway absorbs clock skew between token issuer and server in exp/nbf checks.
const leeway = time.Minute

// Log attribute keys.
const (
	logKeyMode    = "mode"
	logKeyRole    = "role"
	logKeyPersona = "persona"
	logKeyPath    = "path"
	logKeyReason  = "reason"
)

// New builds the Authorizer cfg describes, loading its keys now so a bad
// key file fails start-up rather than the first admin request. A nil
// logger discards.
func New(cfg config.Admin, logger *slog.Logger) (Authorizer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	switch mode := cfg.Mode(); mode {
	case config.AdminInsecureAllowAll:
		logger.Warn("admin API is open to anyone (InsecureAllowAll); never use this outside a test bench",
			logKeyMode, string(mode))
		return allowAll{}, nil
	case config.AdminDenyAll:
		logger.Info("admin API disabled (DenyAll)", logKeyMode, string(mode))
		return denyAll{}, nil
	case config.AdminSimple:
		return newSimple(cfg.Personas, logger)
	case config.AdminAuthenticatedAuthorization:
		return newBearerJWT(cfg, logger)
	default:
		return nil, fmt.Errorf("admin: unknown mode %q", mode)
	}
}

type allowAll struct{}

func (allowAll) Authorize(*http.Request) error { return nil }

type denyAll struct{}

func (denyAll) Authorize(*http.Request) error {
	return unauthorized("admin API is disabled (DenyAll)")
}

func unauthorized(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnauthorized, fmt.Sprintf(format, args...))
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "", unauthorized("missing bearer token")
	}
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", unauthorized("Authorization header is not a bearer token")
	}
	if token = strings.TrimSpace(token); token == "" {
		return "", unauthorized("empty bearer token")
	}
	return token, nil
}

// moreTelling keeps the more useful of two verification failures: a claim
// failure (expired, wrong issuer) says more than a signature that did not
// match one of several keys.
func moreTelling(kept, next error) error {
	if kept == nil || isKeyMismatch(kept) {
		return next
	}
	return kept
}
