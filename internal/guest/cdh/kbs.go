package cdh

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

const (
	// getResourceMaxAttempts is upstream's KBS_GET_RESOURCE_MAX_ATTEMPT.
	getResourceMaxAttempts = 3
	// tokenRefreshMargin renews a token this long before its exp, so it
	// does not expire in flight.
	tokenRefreshMargin = 30 * time.Second
	// kbsRequestTimeout is upstream's HTTP timeout.
	kbsRequestTimeout = 60 * time.Second
)

// TokenProvider hands out a KBS attestation token and the TEE key the
// token is bound to: the attestation-agent's GetToken("kbs").
type TokenProvider interface {
	Token(ctx context.Context) (token string, key *kbs.TeeKeyPair, err error)
}

// TokenReplacer is a TokenProvider that caches tokens and can be told
// which one the KBS refused, so that it hands out a new one instead.
// Without it, a provider's cached token refused by the KBS is only
// replaced when the provider's cache expires.
type TokenReplacer interface {
	ReplaceToken(ctx context.Context, rejected string) (token string, key *kbs.TeeKeyPair, err error)
}

// KBS fetches resources from the KBS in passport mode: a Bearer token from
// the TokenProvider, the answer decrypted with the token's TEE key.
//
// What is cached: one token and its TEE key, shared by every call, until
// the KBS answers 401 or the token is within 30 s of its exp claim (a
// token without exp is kept until a 401). Upstream CDH at HEAD asks the
// attestation-agent, and so attests, on every call; v0.21 cached until a
// 401 but never looked at exp. Resources themselves are never cached.
type KBS struct {
	url      string
	provider TokenProvider
	options  []kbsclient.Option
	log      *slog.Logger
	now      func() time.Time

	// refresh admits one caller at a time to read or renew the grant, so
	// concurrent requests share one attestation.
	refresh chan struct{}
	current *grant
	// rejected is the token the KBS last refused, until a new one is
	// obtained: the provider is asked to replace it.
	rejected string
}

// grant is a token with its key and the time to stop using it.
type grant struct {
	token string
	key   *kbs.TeeKeyPair
	until time.Time // zero: until a 401
}

// NewKBS returns a fetcher of the KBS at url; certPEM, when not empty, is
// trusted in addition to the system roots ([kbc] kbs_cert).
func NewKBS(url string, certPEM string, provider TokenProvider, log *slog.Logger) (*KBS, error) {
	if provider == nil {
		return nil, errors.New("cdh: KBS needs a token provider")
	}
	httpClient, err := newHTTPClient(certPEM)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &KBS{
		url:      url,
		provider: provider,
		options:  []kbsclient.Option{kbsclient.WithHTTPClient(httpClient)},
		log:      log,
		now:      time.Now,
		refresh:  make(chan struct{}, 1),
	}, nil
}

// GetResource fetches and decrypts the resource uri names. On 401 it
// drops the token, gets a new one and retries, 3 attempts in all.
func (k *KBS) GetResource(ctx context.Context, uri resourceuri.URI) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		g, err := k.grant(ctx)
		if err != nil {
			return nil, err
		}
		data, err := kbsclient.GetResourceWithToken(ctx, k.url, uri.KBSPath(), g.token, g.key, k.options...)
		if !errors.Is(err, kbsclient.ErrUnauthorized) || attempt == getResourceMaxAttempts {
			return data, err
		}
		k.log.InfoContext(ctx, "kbs refused the token, attesting again", "attempt", attempt, "error", err)
		k.drop(g)
	}
}

// grant returns the cached grant or obtains a new one.
func (k *KBS) grant(ctx context.Context) (*grant, error) {
	select {
	case k.refresh <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-k.refresh }()
	if g := k.current; g != nil && (g.until.IsZero() || k.now().Before(g.until)) {
		return g, nil
	}
	token, key, err := k.newToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("get a KBS token from the attestation-agent: %w", err)
	}
	if token == "" || key == nil {
		return nil, errors.New("the attestation-agent returned no token or no TEE key")
	}
	g := &grant{token: token, key: key, until: refreshTime(token)}
	k.current, k.rejected = g, ""
	return g, nil
}

// newToken asks the provider for a token, one other than the refused
// token when the provider can tell them apart.
func (k *KBS) newToken(ctx context.Context) (string, *kbs.TeeKeyPair, error) {
	if r, ok := k.provider.(TokenReplacer); ok && k.rejected != "" {
		return r.ReplaceToken(ctx, k.rejected)
	}
	return k.provider.Token(ctx)
}

// drop forgets g, which the KBS refused, unless another caller has
// already replaced it.
func (k *KBS) drop(g *grant) {
	k.refresh <- struct{}{}
	if k.current == g {
		k.current, k.rejected = nil, g.token
	}
	<-k.refresh
}

// refreshTime reads exp from the token, unverified: only the KBS verifies
// tokens; the guest just decides when to get a new one.
func refreshTime(token string) time.Time {
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil || claims.ExpiresAt == nil {
		return time.Time{}
	}
	return claims.ExpiresAt.Add(-tokenRefreshMargin)
}

func newHTTPClient(certPEM string) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if certPEM != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(certPEM)) {
			return nil, errors.New("cdh: [kbc] kbs_cert holds no PEM certificate")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: kbsRequestTimeout}, nil
}
