package kbs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// DefaultTeeKeyAlgorithm is the TEE key guest-components generates by default.
const DefaultTeeKeyAlgorithm = kbs.KeyAlgorithmP256

// requestTimeout bounds each HTTP exchange, as upstream's 60 s.
const requestTimeout = 60 * time.Second

// Option configures a Client, an Admin or GetResourceWithToken.
type Option func(*config) error

type config struct {
	httpClient   *http.Client
	rootCertsPEM []byte
	teeKey       *kbs.TeeKeyPair
	teeKeyAlg    string
	initData     []byte
	provider     EvidenceProvider
	logger       *slog.Logger
}

// WithHTTPClient sets the HTTP client. It cannot be combined with
// WithRootCertificatePEM: configure the client's TLS roots instead.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("kbs: nil HTTP client")
		}
		cfg.httpClient = c
		return nil
	}
}

// WithRootCertificatePEM trusts the PEM certificates in addition to the
// system roots, for a KBS serving HTTPS with a private CA or self-signed
// certificate (kbs-client's --cert-file).
func WithRootCertificatePEM(pem []byte) Option {
	return func(cfg *config) error {
		cfg.rootCertsPEM = append(cfg.rootCertsPEM, pem...)
		return nil
	}
}

// WithTeeKeyPair sets the TEE key that resources are encrypted to; by
// default a fresh key is generated per Client.
func WithTeeKeyPair(k *kbs.TeeKeyPair) Option {
	return func(cfg *config) error {
		if k == nil {
			return errors.New("kbs: nil TEE key pair")
		}
		cfg.teeKey = k
		return nil
	}
}

// WithTeeKeyAlgorithm selects the algorithm of the generated TEE key:
// "ECDH-ES+A256KW-P256" (default), "ECDH-ES+A256KW-P521" or "RSA-OAEP-256".
func WithTeeKeyAlgorithm(alg string) Option {
	return func(cfg *config) error {
		cfg.teeKeyAlg = alg
		return nil
	}
}

// WithInitData sends the init-data TOML document with the attestation; the
// attestation service checks it against the digest measured at boot.
func WithInitData(toml []byte) Option {
	return func(cfg *config) error {
		cfg.initData = append([]byte(nil), toml...)
		return nil
	}
}

// WithEvidenceProvider sets the attester. It is required by New.
func WithEvidenceProvider(p EvidenceProvider) Option {
	return func(cfg *config) error {
		if p == nil {
			return errors.New("kbs: nil evidence provider")
		}
		cfg.provider = p
		return nil
	}
}

// WithLogger sets the logger; by default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l == nil {
			return errors.New("kbs: nil logger")
		}
		cfg.logger = l
		return nil
	}
}

// discardLogger is the default logger; one for all clients, as a Logger
// is immutable.
var discardLogger = slog.New(slog.DiscardHandler)

func newConfig(opts []Option) (*config, error) {
	cfg := &config{teeKeyAlg: DefaultTeeKeyAlgorithm}
	for _, opt := range opts {
		if err := opt(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.logger == nil {
		cfg.logger = discardLogger
	}
	if cfg.httpClient != nil && len(cfg.rootCertsPEM) > 0 {
		return nil, errors.New("kbs: WithRootCertificatePEM and WithHTTPClient are mutually exclusive")
	}
	if cfg.httpClient == nil {
		c, err := defaultHTTPClient(cfg.rootCertsPEM)
		if err != nil {
			return nil, err
		}
		cfg.httpClient = c
	}
	return cfg, nil
}

// teeKeyPair returns the configured key or generates one.
func (cfg *config) teeKeyPair() (*kbs.TeeKeyPair, error) {
	if cfg.teeKey != nil {
		return cfg.teeKey, nil
	}
	k, err := kbs.GenerateTeeKeyPair(cfg.teeKeyAlg)
	if err != nil {
		return nil, fmt.Errorf("kbs: generate TEE key: %w", err)
	}
	return k, nil
}

func defaultHTTPClient(rootCertsPEM []byte) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if len(rootCertsPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(rootCertsPEM) {
			return nil, errors.New("kbs: root certificate PEM holds no certificate")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: requestTimeout}, nil
}

// parseBaseURL accepts http and https URLs without query or fragment.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("kbs: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("kbs: base URL %q: want http(s)://host[:port]", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("kbs: base URL %q: must not carry a query, fragment or user info", raw)
	}
	return u, nil
}

// drain empties and closes a response body so the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
}
