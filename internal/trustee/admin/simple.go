package admin

import (
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// simpleAuthorizer is upstream v0.16's Simple mode: a token signed by any
// persona's Ed25519 key is an admin token; no claims besides exp/nbf matter.
type simpleAuthorizer struct {
	personas []persona
	parser   *jwt.Parser
	logger   *slog.Logger
}

type persona struct {
	id  string
	key ed25519.PublicKey
}

func newSimple(personas []config.Persona, logger *slog.Logger) (*simpleAuthorizer, error) {
	s := &simpleAuthorizer{
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithLeeway(leeway),
		),
		logger: logger,
	}
	for _, p := range personas {
		key, err := loadPublicKey(p.PublicKeyPath)
		if err != nil {
			return nil, fmt.Errorf("admin: persona %q: %w", p.ID, err)
		}
		edKey, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("admin: persona %q: %s is a %T, Simple mode needs an Ed25519 key", p.ID, p.PublicKeyPath, key)
		}
		s.personas = append(s.personas, persona{id: p.ID, key: edKey})
	}
	if len(s.personas) == 0 {
		logger.Warn("admin API has no personas configured; every admin request will be denied", logKeyMode, string(config.AdminSimple))
	}
	return s, nil
}

func (s *simpleAuthorizer) Authorize(r *http.Request) error {
	token, err := bearerToken(r)
	if err != nil {
		return err
	}
	if len(s.personas) == 0 {
		return unauthorized("no admin personas configured")
	}
	var failure error
	for _, p := range s.personas {
		_, err := s.parser.Parse(token, func(*jwt.Token) (any, error) { return p.key, nil })
		if err == nil {
			s.logger.Info("admin access granted", logKeyPersona, p.id, logKeyPath, r.URL.Path)
			return nil
		}
		failure = moreTelling(failure, err)
	}
	s.logger.Info("admin access denied", logKeyPath, r.URL.Path, logKeyReason, failure.Error())
	return unauthorized("token not accepted by any persona: %v", failure)
}
