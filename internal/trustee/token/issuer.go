package token

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults of the upstream EAR token broker configuration.
const (
	DefaultDurationMin   = 5
	DefaultIssuerName    = "CoCo-Attestation-Service"
	DefaultDeveloperName = "https://confidentialcontainers.org"
	DefaultProfileName   = "tag:github.com,2024:confidential-containers/Trustee"
)

// DefaultBuildName is "ear.verifier-id".build when none is configured.
var DefaultBuildName = "cocoon-trustee " + moduleVersion()

func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// IssuerConfig is the EAR token broker configuration; zero fields take the
// upstream defaults.
type IssuerConfig struct {
	DurationMin   int
	IssuerName    string
	DeveloperName string
	BuildName     string
	ProfileName   string
	// SignerKeyPath is an EC P-256 private key PEM (PKCS#8 or SEC1). Empty
	// means an ephemeral key, whose tokens nobody can verify after a restart.
	SignerKeyPath string
	// SignerCertPath is a PEM certificate chain, leaf first, for the signer
	// key; it is published as the JWK "x5c" so a KBS can chain it to a CA.
	SignerCertPath string
	// SignerCertURL is published as the JWK "x5u".
	SignerCertURL string
}

func (c IssuerConfig) withDefaults() IssuerConfig {
	if c.DurationMin == 0 {
		c.DurationMin = DefaultDurationMin
	}
	c.IssuerName = cmp.Or(c.IssuerName, DefaultIssuerName)
	c.DeveloperName = cmp.Or(c.DeveloperName, DefaultDeveloperName)
	c.BuildName = cmp.Or(c.BuildName, DefaultBuildName)
	c.ProfileName = cmp.Or(c.ProfileName, DefaultProfileName)
	return c
}

// Issuer signs EAR attestation tokens.
type Issuer struct {
	cfg    IssuerConfig
	jwk    jose.JSONWebKey // public signer key as published in tokens and JWKS
	signer *es256Signer
	now    func() time.Time
	// issued, when a co-located Verifier trusts this issuer (WithIssuer),
	// receives every token signed, so that Verifier need not check it.
	issued atomic.Pointer[verifiedTokens]
	// lastPayloadSize sizes the next payload's buffer: an issuer's tokens
	// are alike, and a TDX payload outgrew a fixed hint three times.
	lastPayloadSize atomic.Int64
}

// NewIssuer loads the signer key and certificate chain named by cfg, or
// generates an ephemeral key when no key path is configured.
func NewIssuer(cfg IssuerConfig, logger *slog.Logger) (*Issuer, error) {
	cfg = cfg.withDefaults()
	if cfg.DurationMin < 0 {
		return nil, fmt.Errorf("token duration %d min is negative", cfg.DurationMin)
	}
	key, err := loadOrGenerateKey(cfg.SignerKeyPath, logger)
	if err != nil {
		return nil, err
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.ES256)}
	if cfg.SignerCertPath != "" {
		if jwk.Certificates, err = loadSignerChain(cfg.SignerCertPath, &key.PublicKey); err != nil {
			return nil, err
		}
	}
	if cfg.SignerCertURL != "" {
		u, err := url.Parse(cfg.SignerCertURL)
		if err != nil || !u.IsAbs() {
			return nil, fmt.Errorf("signer cert URL %q is not an absolute URL", cfg.SignerCertURL)
		}
		jwk.CertificatesURL = u
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("jwk", jwk)
	signer, err := newES256Signer(key, opts)
	if err != nil {
		return nil, fmt.Errorf("create ES256 signer: %w", err)
	}
	return &Issuer{cfg: cfg, jwk: jwk, signer: signer, now: time.Now}, nil
}

func loadOrGenerateKey(path string, logger *slog.Logger) (*ecdsa.PrivateKey, error) {
	if path == "" {
		logger.Warn("no token signer key configured: signing with an ephemeral key; " +
			"tokens become unverifiable after a restart and across replicas")
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate ephemeral signer key: %w", err)
		}
		return key, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read token signer key: %w", err)
	}
	key, err := parseSigningKey(data)
	if err != nil {
		return nil, fmt.Errorf("token signer key %s: %w", path, err)
	}
	return key, nil
}

// loadSignerChain reads the chain and checks that its leaf certifies the
// signer key. Upstream does not check this; a mismatch would only surface as
// every token being refused by the KBS, so Cocoon fails at start instead.
func loadSignerChain(path string, pub *ecdsa.PublicKey) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read token signer certificate chain: %w", err)
	}
	chain, err := parseCertChain(data)
	if err != nil {
		return nil, fmt.Errorf("token signer certificate chain %s: %w", path, err)
	}
	if !pub.Equal(chain[0].PublicKey) {
		return nil, fmt.Errorf("token signer certificate chain %s: leaf certificate is not for the signer key", path)
	}
	return chain, nil
}

// minPayloadSize fits the smallest tokens' claims.
const minPayloadSize = 2048

// Issue signs an EAR token carrying the given submodule appraisals.
func (i *Issuer) Issue(ctx context.Context, submods map[string]Submodule) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if len(submods) == 0 {
		return "", errors.New("issue token: no submodule appraisals")
	}
	for name, submod := range submods {
		if err := submod.validate(); err != nil {
			return "", fmt.Errorf("issue token: submodule %q: %w", name, err)
		}
	}
	now := i.now()
	expiry := now.Add(time.Duration(i.cfg.DurationMin) * time.Minute)
	size := max(minPayloadSize, i.lastPayloadSize.Load())
	payload, err := i.appendPayload(make([]byte, 0, size), now.Unix(), expiry.Unix(), submods)
	if err != nil {
		return "", fmt.Errorf("issue token: encode claims: %w", err)
	}
	i.lastPayloadSize.Store(int64(len(payload)))
	token, err := i.signer.sign(payload)
	if err != nil {
		return "", fmt.Errorf("issue token: sign: %w", err)
	}
	if verified := i.issued.Load(); verified != nil {
		verified.addIssued(token, payload)
	}
	return token, nil
}

// JWKS is the key set served at /.well-known/jwks.json: the signer's public
// key with alg ES256 and its certificate chain, if any.
func (i *Issuer) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{i.jwk}}
}

// PublicKey is the signer's public key, for a co-located KBS to trust.
func (i *Issuer) PublicKey() *ecdsa.PublicKey {
	return i.jwk.Key.(*ecdsa.PublicKey)
}
