package kbs

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Retry and cache constants, upstream's where upstream has one.
const (
	rcarMaxAttempts        = 5           // RCAR_MAX_ATTEMPT
	rcarRetryDelay         = time.Second // RCAR_RETRY_TIMEOUT_SECOND
	getResourceMaxAttempts = 3           // KBS_GET_RESOURCE_MAX_ATTEMPT
	// tokenRefreshMargin renews a cached token this long before it
	// expires, so it does not expire in flight.
	tokenRefreshMargin = 30 * time.Second
)

// Client attests to one KBS and fetches resources from it. It is safe for
// concurrent use.
type Client struct {
	api      string // the API root, see apiRoot
	http     *http.Client
	provider EvidenceProvider
	key      *kbs.TeeKeyPair
	initData []byte
	log      *slog.Logger

	// Tests shorten these; production uses time.Now and rcarRetryDelay.
	now        func() time.Time
	retryDelay time.Duration

	mu sync.Mutex
	// cookie is the Cookie header carrying the session id, built once per
	// session; "" before the first handshake.
	cookie string
	cached *cachedToken
}

// New returns a client of the KBS at baseURL (for example
// "http://127.0.0.1:8080"). WithEvidenceProvider is required.
func New(baseURL string, opts ...Option) (*Client, error) {
	api, err := apiRoot(baseURL)
	if err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.provider == nil {
		return nil, errors.New("kbs: New needs WithEvidenceProvider")
	}
	key, err := cfg.teeKeyPair()
	if err != nil {
		return nil, err
	}
	return &Client{
		api:        api,
		http:       cfg.httpClient,
		provider:   cfg.provider,
		key:        key,
		initData:   cfg.initData,
		log:        cfg.logger,
		now:        time.Now,
		retryDelay: rcarRetryDelay,
	}, nil
}

// TeeKeyPair is the key resources are encrypted to.
func (c *Client) TeeKeyPair() *kbs.TeeKeyPair { return c.key }

// session is the Cookie header of the current session, or "".
func (c *Client) session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cookie
}
