package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// ErrTokenInvalid wraps every reason a token is refused.
var ErrTokenInvalid = errors.New("attestation token invalid")

// VerifierConfig is the KBS "attestation_token" section.
type VerifierConfig struct {
	// TrustedCertsPaths are PEM files of CA certificates that may endorse a
	// key carried in the token header "jwk" through its "x5c" chain.
	TrustedCertsPaths []string
	// TrustedJWKSets are file:// URLs, local paths or https:// URLs of JWK
	// sets (or of OpenID providers) whose keys verify tokens naming a "kid".
	TrustedJWKSets []string
	// InsecureHeaderJWK trusts any key carried in the token header. The
	// signature is still checked, but anyone can mint such a token: tests only.
	InsecureHeaderJWK bool
	// ExtraTeeKeyPaths are JSON pointers tried before the built-in ones when
	// looking for the TEE public key in the claims.
	ExtraTeeKeyPaths []string
}

// Verifier checks attestation tokens presented to the KBS.
type Verifier struct {
	trustedCerts      *x509.CertPool // nil when none are configured
	trustedJWKs       jose.JSONWebKeySet
	pinnedKeys        []*ecdsa.PublicKey
	insecureHeaderJWK bool
	extraTeeKeyPaths  []string
	headerKeys        keyCache
	verified          *verifiedTokens
	httpClient        *http.Client
	now               func() time.Time
	logger            *slog.Logger
}

// Option adjusts a Verifier.
type Option func(*Verifier)

// WithTrustedKey trusts tokens whose header "jwk" is exactly this key, with
// no certificate chain. An all-in-one Trustee passes its own issuer's key so
// it can verify its own tokens without insecure mode. This is safe because
// the key comes from configuration, not from the token: a forged token can
// only name a key whose private half the forger holds, which never equals
// the pinned key, so pinning is as strong as a one-key trusted JWK set.
func WithTrustedKey(pub *ecdsa.PublicKey) Option {
	return func(v *Verifier) { v.pinnedKeys = append(v.pinnedKeys, pub) }
}

// WithIssuer trusts a co-located issuer, as WithTrustedKey(i.PublicKey())
// does, and has the issuer hand over each token it signs together with the
// claims it signed, so that the KBS takes its own fresh tokens as verified
// instead of checking a signature it has just made. A token from anywhere
// else is verified as before.
func WithIssuer(i *Issuer) Option {
	return func(v *Verifier) {
		v.pinnedKeys = append(v.pinnedKeys, i.PublicKey())
		i.issued.Store(v.verified)
	}
}

// WithHTTPClient sets the client used to fetch https:// JWK sets.
func WithHTTPClient(client *http.Client) Option {
	return func(v *Verifier) { v.httpClient = client }
}

// jwksFetchTimeout bounds fetching all remote JWK sets at start-up.
const jwksFetchTimeout = 30 * time.Second

// NewVerifier loads the trust material named by cfg. Like upstream it
// refuses a configuration that could verify nothing.
func NewVerifier(cfg VerifierConfig, logger *slog.Logger, opts ...Option) (*Verifier, error) {
	v := &Verifier{
		insecureHeaderJWK: cfg.InsecureHeaderJWK,
		extraTeeKeyPaths:  cfg.ExtraTeeKeyPaths,
		httpClient:        &http.Client{Timeout: jwksFetchTimeout},
		verified:          newVerifiedTokens(verifiedGeneration),
		now:               time.Now,
		logger:            logger,
	}
	for _, opt := range opts {
		opt(v)
	}
	for _, path := range cfg.TrustedCertsPaths {
		if err := v.addTrustedCerts(path); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), jwksFetchTimeout)
	defer cancel()
	for _, source := range cfg.TrustedJWKSets {
		set, err := loadJWKSet(ctx, v.httpClient, source)
		if err != nil {
			return nil, fmt.Errorf("trusted JWK set %s: %w", source, err)
		}
		v.trustedJWKs.Keys = append(v.trustedJWKs.Keys, set.Keys...)
	}
	if v.trustedCerts == nil && len(v.trustedJWKs.Keys) == 0 && len(v.pinnedKeys) == 0 && !v.insecureHeaderJWK {
		return nil, errors.New("no token trust material: configure trusted certificates, trusted JWK sets or a trusted key")
	}
	if v.insecureHeaderJWK {
		logger.Warn("insecure_header_jwk is on: tokens signed by any key in their own header are accepted")
	}
	return v, nil
}

func (v *Verifier) addTrustedCerts(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read trusted certificates: %w", err)
	}
	certs, err := parseCertChain(data)
	if err != nil {
		return fmt.Errorf("trusted certificates %s: %w", path, err)
	}
	if v.trustedCerts == nil {
		v.trustedCerts = x509.NewCertPool()
	}
	for _, cert := range certs {
		v.trustedCerts.AddCert(cert)
	}
	return nil
}

// Verify checks the token's signature, key provenance, algorithm and
// validity period, and returns its claims. Numbers in the claims are
// json.Number so that large integers survive.
//
// A token seen before (see verifiedTokens) skips the signature check and
// the decoding, never the validity period. Its claims are then the same
// map as before: callers must not modify them.
func (v *Verifier) Verify(ctx context.Context, token string) (map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	claims, err := v.verifyOnce(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	}
	return claims, nil
}

// verifyOnce verifies token unless it is already settled, and checks its
// validity period either way.
func (v *Verifier) verifyOnce(token string) (map[string]any, error) {
	settled, ok := v.verified.get(token)
	if !ok {
		claims, err := v.verify(token)
		if err == nil {
			v.verified.addClaims(token, claims)
		}
		return claims, err
	}
	claims, err := settled.claimsOf()
	if err != nil {
		return nil, err
	}
	if err := checkValidity(claims, v.now()); err != nil {
		return nil, err
	}
	return claims, nil
}

func (v *Verifier) verify(token string) (map[string]any, error) {
	jws, err := parseCompactJWS(token)
	if err != nil {
		return nil, err
	}
	if !allowedAlgorithm(jws.alg) {
		return nil, fmt.Errorf("signature algorithm %q is not allowed", jws.alg)
	}
	key, cacheable, err := v.verificationKey(&jws)
	if err != nil {
		return nil, err
	}
	if key.Algorithm != "" && key.Algorithm != jws.alg {
		return nil, fmt.Errorf("token algorithm %q does not match the key's %q", jws.alg, key.Algorithm)
	}
	if err := jws.verifySignature(key.Key); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if cacheable {
		v.headerKeys.add(jws.header["jwk"], key)
	}
	claims, err := decodeClaims(jws.payload)
	if err != nil {
		return nil, err
	}
	if err := checkValidity(claims, v.now()); err != nil {
		return nil, err
	}
	return claims, nil
}

// TeePubKey extracts the TEE public key from verified claims, trying the
// configured extra paths first.
func (v *Verifier) TeePubKey(claims map[string]any) (kbs.TeePubKey, error) {
	return TeePubKey(claims, v.extraTeeKeyPaths)
}
