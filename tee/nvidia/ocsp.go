package nvidia

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
	"golang.org/x/sync/singleflight"
)

// NVIDIA's OCSP responder and how long one request may take.
const (
	DefaultOCSPURL     = "https://ocsp.ndis.nvidia.com/"
	DefaultOCSPTimeout = 10 * time.Second
	// maxOCSPResponse bounds what is read from the responder.
	maxOCSPResponse = 64 << 10
	// ocspClockSkew tolerates a responder clock slightly ahead of ours.
	ocspClockSkew = 5 * time.Minute
)

var (
	// ErrRevoked means NVIDIA revoked a certificate of the chain.
	ErrRevoked = errors.New("nvidia: certificate revoked")
	// ErrOCSP means revocation could not be established: the responder
	// was unreachable, answered badly, or did not know the certificate.
	ErrOCSP = errors.New("nvidia: OCSP check failed")
)

// OCSPOptions configures an OCSPChecker.
type OCSPOptions struct {
	// URL is the responder; "" means DefaultOCSPURL.
	URL string
	// Client sends the requests; nil means a default client.
	Client *http.Client
	// Timeout bounds one request; 0 means DefaultOCSPTimeout.
	Timeout time.Duration
	// Now is the time responses must be current at; nil means time.Now.
	Now func() time.Time
}

// OCSPChecker asks NVIDIA's responder whether the certificates of a device
// chain are revoked, as NVIDIA's own local verifier does: every
// certificate between the signing certificate (made by the device at boot,
// unknown to the responder) and the root. Good answers are cached until
// their nextUpdate, and concurrent checks of one certificate share one
// request. It is safe for concurrent use.
type OCSPChecker struct {
	url     string
	client  *http.Client
	timeout time.Duration
	now     func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	goodTo map[[32]byte]time.Time
}

// NewOCSPChecker returns an OCSPChecker.
func NewOCSPChecker(opts OCSPOptions) *OCSPChecker {
	c := &OCSPChecker{url: opts.URL, client: opts.Client, timeout: opts.Timeout, now: opts.Now, goodTo: map[[32]byte]time.Time{}}
	if c.url == "" {
		c.url = DefaultOCSPURL
	}
	if c.client == nil {
		c.client = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultOCSPTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Check returns nil when every certificate after the signing one and
// before the root is known good.
func (c *OCSPChecker) Check(ctx context.Context, chain []*x509.Certificate) error {
	for i := 1; i < len(chain)-1; i++ {
		if err := c.checkOne(ctx, chain[i], chain[i+1]); err != nil {
			return fmt.Errorf("certificate %q: %w", chain[i].Subject, err)
		}
	}
	return nil
}

func (c *OCSPChecker) checkOne(ctx context.Context, cert, issuer *x509.Certificate) error {
	key := sha256.Sum256(append(bytes.Clone(issuer.Raw), cert.Raw...))
	c.mu.Lock()
	until, cached := c.goodTo[key]
	c.mu.Unlock()
	if cached && c.now().Before(until) {
		return nil
	}
	_, err, _ := c.flight.Do(string(key[:]), func() (any, error) {
		nextUpdate, err := c.query(ctx, cert, issuer)
		if err == nil && !nextUpdate.IsZero() {
			c.mu.Lock()
			c.goodTo[key] = nextUpdate
			c.mu.Unlock()
		}
		return nil, err
	})
	return err
}

// query asks the responder and returns the good answer's nextUpdate.
func (c *OCSPChecker) query(ctx context.Context, cert, issuer *x509.Certificate) (time.Time, error) {
	reqDER, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA384})
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: request: %w", ErrOCSP, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(reqDER))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrOCSP, err)
	}
	httpReq.Header.Set("Content-Type", "application/ocsp-request")
	resp, err := c.client.Do(httpReq)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrOCSP, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("%w: responder answered HTTP %d", ErrOCSP, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOCSPResponse))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrOCSP, err)
	}
	// Checks the responder's signature: the issuer's, or a responder
	// certificate the issuer signed.
	answer, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrOCSP, err)
	}
	now := c.now()
	if answer.ThisUpdate.After(now.Add(ocspClockSkew)) || (!answer.NextUpdate.IsZero() && answer.NextUpdate.Before(now)) {
		return time.Time{}, fmt.Errorf("%w: response not current (thisUpdate %s, nextUpdate %s)", ErrOCSP, answer.ThisUpdate, answer.NextUpdate)
	}
	switch answer.Status {
	case ocsp.Good:
		return answer.NextUpdate, nil
	case ocsp.Revoked:
		return time.Time{}, fmt.Errorf("%w at %s", ErrRevoked, answer.RevokedAt)
	default:
		return time.Time{}, fmt.Errorf("%w: status unknown", ErrOCSP)
	}
}
