package config

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// AdminMode is the effective admin API policy.
type AdminMode string

// Admin modes. Simple is upstream v0.16's persona scheme; the others are
// HEAD's authorization_mode values (InsecureAllowAll and DenyAll exist in both).
const (
	AdminSimple                     AdminMode = "Simple"
	AdminAuthenticatedAuthorization AdminMode = "AuthenticatedAuthorization"
	AdminInsecureAllowAll           AdminMode = "InsecureAllowAll"
	AdminDenyAll                    AdminMode = "DenyAll"
)

// Admin is [admin], in either upstream style: HEAD (authorization_mode +
// authentication.bearer_jwt + authorization.regex_acl) or v0.16 (type +
// personas). A file must not mix them.
type Admin struct {
	AuthorizationMode AdminMode            `toml:"authorization_mode"` // HEAD
	Authentication    *AdminAuthentication `toml:"authentication"`     // HEAD
	Authorization     *AdminAuthorization  `toml:"authorization"`      // HEAD
	Type              AdminMode            `toml:"type"`               // v0.16
	Personas          []Persona            `toml:"personas"`           // v0.16
}

// AdminAuthentication is [admin.authentication].
type AdminAuthentication struct {
	BearerJWT *BearerJWT `toml:"bearer_jwt"`
}

// BearerJWT is [admin.authentication.bearer_jwt].
type BearerJWT struct {
	IdentityProviders []IdentityProvider `toml:"identity_providers"`
}

// IdentityProvider is one trusted admin token issuer.
type IdentityProvider struct {
	Issuer       string `toml:"issuer"`         // checked against "iss" when set
	Audience     string `toml:"audience"`       // must be in "aud" when set
	PublicKeyURI string `toml:"public_key_uri"` // PEM (EC, RSA, Ed25519): path or file://
	JWKSetURI    string `toml:"jwk_set_uri"`    // JWKS: path or file://
}

// AdminAuthorization is [admin.authorization].
type AdminAuthorization struct {
	RegexACL *RegexACL `toml:"regex_acl"`
}

// RegexACL is [admin.authorization.regex_acl].
type RegexACL struct {
	ACLs []ACL `toml:"acls"`
}

// ACL grants a role the request paths (path+query) its regex matches.
type ACL struct {
	Role             string `toml:"role"`
	AllowedEndpoints string `toml:"allowed_endpoints"` // must start with ^/kbs and end with $
}

// Persona is one v0.16 admin: any persona's Ed25519 key may sign admin tokens.
type Persona struct {
	ID            string `toml:"id"`
	PublicKeyPath string `toml:"public_key_path"` // Ed25519 public key, PEM
}

// Mode is the effective mode: authorization_mode, else type, else Simple
// (v0.16's default for an empty or absent [admin]).
func (a Admin) Mode() AdminMode {
	switch {
	case a.AuthorizationMode != "":
		return a.AuthorizationMode
	case a.Type != "":
		return a.Type
	default:
		return AdminSimple
	}
}

// Validate checks the admin section on its own (the admin package calls it).
func (a Admin) Validate() error {
	var p problems
	a.validate(&p)
	return p.err()
}

func (a Admin) validate(p *problems) {
	head := a.AuthorizationMode != "" || a.Authentication != nil || a.Authorization != nil
	legacy := a.Type != "" || len(a.Personas) > 0
	if head && legacy {
		p.invalid("admin", "mixes the upstream HEAD style (authorization_mode, authentication, authorization) "+
			"with the v0.16 style (type, personas); use one")
		return
	}
	switch a.AuthorizationMode {
	case "", AdminAuthenticatedAuthorization, AdminInsecureAllowAll, AdminDenyAll:
	default:
		p.invalid("admin.authorization_mode", "%q is not AuthenticatedAuthorization, InsecureAllowAll or DenyAll", a.AuthorizationMode)
	}
	switch a.Type {
	case "", AdminSimple, AdminInsecureAllowAll, AdminDenyAll:
	default:
		p.invalid("admin.type", "%q is not Simple, InsecureAllowAll or DenyAll", a.Type)
	}
	if len(a.Personas) > 0 && a.Mode() != AdminSimple {
		p.invalid("admin.personas", "only valid with type = %q", AdminSimple)
	}
	a.validatePersonas(p)
	if a.AuthorizationMode == AdminAuthenticatedAuthorization {
		a.validateBearer(p)
		a.validateACLs(p)
	} else if a.Authentication != nil || a.Authorization != nil {
		p.invalid("admin", "authentication and authorization are only valid with authorization_mode = %q", AdminAuthenticatedAuthorization)
	}
}

func (a Admin) validatePersonas(p *problems) {
	seen := make(map[string]bool)
	for i, persona := range a.Personas {
		key := fmt.Sprintf("admin.personas[%d]", i)
		if strings.TrimSpace(persona.ID) == "" {
			p.invalid(key+".id", "must not be empty")
		} else if seen[persona.ID] {
			p.invalid(key+".id", "duplicate persona %q", persona.ID)
		}
		seen[persona.ID] = true
		if strings.TrimSpace(persona.PublicKeyPath) == "" {
			p.invalid(key+".public_key_path", "must not be empty")
		}
	}
}

func (a Admin) validateBearer(p *problems) {
	const key = "admin.authentication.bearer_jwt"
	if a.Authentication == nil || a.Authentication.BearerJWT == nil {
		p.invalid(key, "required with authorization_mode = %q", AdminAuthenticatedAuthorization)
		return
	}
	idps := a.Authentication.BearerJWT.IdentityProviders
	if len(idps) == 0 {
		p.invalid(key+".identity_providers", "at least one identity provider is required")
	}
	for i, idp := range idps {
		if idp.PublicKeyURI == "" && idp.JWKSetURI == "" {
			p.invalid(fmt.Sprintf("%s.identity_providers[%d]", key, i), "set public_key_uri and/or jwk_set_uri")
		}
	}
}

func (a Admin) validateACLs(p *problems) {
	const key = "admin.authorization.regex_acl"
	if a.Authorization == nil || a.Authorization.RegexACL == nil {
		p.invalid(key, "required with authorization_mode = %q", AdminAuthenticatedAuthorization)
		return
	}
	for i, acl := range a.Authorization.RegexACL.ACLs {
		aclKey := fmt.Sprintf("%s.acls[%d]", key, i)
		if acl.Role == "" {
			p.invalid(aclKey+".role", "must not be empty")
		}
		if _, err := CompileACL(acl.AllowedEndpoints); err != nil {
			p.invalid(aclKey+".allowed_endpoints", "%v", err)
		}
	}
}

// CompileACL compiles an allowed_endpoints regex, enforcing upstream's
// anchoring rule (starts with ^/kbs, ends with $). Stricter than upstream,
// every branch of a top-level alternation must be anchored too: in
// "^/kbs/a|.*$" the second branch would otherwise grant every path.
func CompileACL(expr string) (*regexp.Regexp, error) {
	if !strings.HasPrefix(expr, "^/kbs") || !strings.HasSuffix(expr, "$") {
		return nil, fmt.Errorf("regex %q must start with ^/kbs and end with $", expr)
	}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", expr, err)
	}
	if !anchoredToKBS(tree) {
		return nil, fmt.Errorf("regex %q: every alternative must start with ^/kbs and end with $; group them, e.g. ^/kbs/(a|b)$", expr)
	}
	return regexp.Compile(expr)
}

func anchoredToKBS(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if !anchoredToKBS(sub) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		n := len(re.Sub)
		return n >= 3 &&
			re.Sub[0].Op == syntax.OpBeginText &&
			re.Sub[1].Op == syntax.OpLiteral && re.Sub[1].Flags&syntax.FoldCase == 0 &&
			strings.HasPrefix(string(re.Sub[1].Rune), "/kbs") &&
			re.Sub[n-1].Op == syntax.OpEndText
	default:
		return false
	}
}
