package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// bearerJWTAuthorizer is upstream HEAD's AuthenticatedAuthorization mode:
// a JWT verified by one of the identity providers yields a role, and the
// first ACL granting that role the request path+query lets it through.
type bearerJWTAuthorizer struct {
	providers []identityProvider
	acls      []acl
	parser    *jwt.Parser
	logger    *slog.Logger
}

type identityProvider struct {
	issuer   string // "" = not checked
	audience string // "" = not checked
	keys     keySet
}

type acl struct {
	role    string
	allowed *regexp.Regexp
}

func newBearerJWT(cfg config.Admin, logger *slog.Logger) (*bearerJWTAuthorizer, error) {
	b := &bearerJWTAuthorizer{
		parser: jwt.NewParser(
			jwt.WithValidMethods(asymmetricAlgs),
			jwt.WithExpirationRequired(),
			jwt.WithLeeway(leeway),
		),
		logger: logger,
	}
	for i, idp := range cfg.Authentication.BearerJWT.IdentityProviders {
		keys, err := loadIdentityProviderKeys(idp)
		if err != nil {
			return nil, fmt.Errorf("admin: identity_providers[%d]: %w", i, err)
		}
		b.providers = append(b.providers, identityProvider{issuer: idp.Issuer, audience: idp.Audience, keys: keys})
	}
	for _, rule := range cfg.Authorization.RegexACL.ACLs {
		re, err := config.CompileACL(rule.AllowedEndpoints)
		if err != nil {
			return nil, fmt.Errorf("admin: acl for role %q: %w", rule.Role, err)
		}
		b.acls = append(b.acls, acl{role: rule.Role, allowed: re})
	}
	return b, nil
}

func (b *bearerJWTAuthorizer) Authorize(r *http.Request) error {
	token, err := bearerToken(r)
	if err != nil {
		return err
	}
	role, err := b.authenticate(token)
	if err != nil {
		b.logger.Info("admin access denied", logKeyPath, r.URL.Path, logKeyReason, err.Error())
		return err
	}
	uri := r.URL.RequestURI()
	for _, rule := range b.acls {
		if rule.role == role && rule.allowed.MatchString(uri) {
			b.logger.Info("admin access granted", logKeyRole, role, logKeyPath, r.URL.Path)
			return nil
		}
	}
	b.logger.Info("admin access denied", logKeyRole, role, logKeyPath, r.URL.Path, logKeyReason, "no acl grants the role this path")
	return unauthorized("role %q is not allowed %s", role, r.URL.Path)
}

// authenticate returns the role of a token the first matching identity
// provider vouches for. As upstream, a provider whose key verifies the
// token but whose issuer or audience differs is skipped, and a verified
// token without a string role claim is refused outright.
func (b *bearerJWTAuthorizer) authenticate(token string) (string, error) {
	var failure error
	for _, idp := range b.providers {
		claims := jwt.MapClaims{}
		if _, err := b.parser.ParseWithClaims(token, claims, idp.keys.keyFunc); err != nil {
			failure = moreTelling(failure, err)
			continue
		}
		if err := idp.checkIssuerAndAudience(claims); err != nil {
			failure = moreTelling(failure, err)
			continue
		}
		role, ok := claims["role"].(string)
		if !ok {
			return "", unauthorized("token has no string \"role\" claim")
		}
		return role, nil
	}
	return "", unauthorized("token not accepted by any identity provider: %v", failure)
}

func (idp identityProvider) checkIssuerAndAudience(claims jwt.MapClaims) error {
	if idp.issuer != "" {
		if iss, err := claims.GetIssuer(); err != nil || iss != idp.issuer {
			return fmt.Errorf("issuer %q is not %q", iss, idp.issuer)
		}
	}
	if idp.audience != "" {
		aud, err := claims.GetAudience()
		if err != nil {
			return fmt.Errorf("audience: %w", err)
		}
		for _, a := range aud {
			if a == idp.audience {
				return nil
			}
		}
		return fmt.Errorf("audience %q does not include %q", []string(aud), idp.audience)
	}
	return nil
}
