package snp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultKDSURL is AMD's Key Distribution Service.
const DefaultKDSURL = "https://kdsintf.amd.com"

// Defaults of KDSOptions.
const (
	DefaultKDSTimeout   = 10 * time.Second
	DefaultKDSCacheSize = 1024
)

// KDSOptions configures a KDS source; the zero value uses AMD's service.
type KDSOptions struct {
	// BaseURL replaces DefaultKDSURL, e.g. for a caching proxy.
	BaseURL string
	// Client makes the requests; nil means a client without a timeout of
	// its own (Timeout bounds each fetch).
	Client *http.Client
	// Timeout bounds one fetch; 0 means DefaultKDSTimeout.
	Timeout time.Duration
	// CacheSize bounds the VCEKs kept; 0 means DefaultKDSCacheSize.
	CacheSize int
	// Logger receives fetch failures; nil discards them.
	Logger *slog.Logger
}

// KDS fetches VCEKs from AMD's Key Distribution Service and keeps them:
// each VCEK is fetched once, however many requests need it at the same
// time, and then served from memory.
type KDS struct {
	baseURL string
	client  *http.Client
	timeout time.Duration
	logger  *slog.Logger

	flight singleflight.Group
	cache  *boundedCache[string, []byte]
}

var _ VCEKSource = (*KDS)(nil)

// NewKDS returns a KDS source.
func NewKDS(opts KDSOptions) *KDS {
	k := &KDS{
		baseURL: opts.BaseURL,
		client:  opts.Client,
		timeout: opts.Timeout,
		logger:  opts.Logger,
		cache:   newBoundedCache[string, []byte](opts.CacheSize, DefaultKDSCacheSize),
	}
	if k.baseURL == "" {
		k.baseURL = DefaultKDSURL
	}
	if k.client == nil {
		k.client = &http.Client{}
	}
	if k.timeout <= 0 {
		k.timeout = DefaultKDSTimeout
	}
	if k.logger == nil {
		k.logger = slog.New(slog.DiscardHandler)
	}
	return k
}

// VCEKURL is the KDS address of the VCEK for report on generation g, with
// upstream's query (two-digit SPLs; fmcSPL first on Turin).
func (k *KDS) VCEKURL(g Generation, r *AttestationReport) (string, error) {
	id, err := hwid(g, r)
	if err != nil {
		return "", err
	}
	t := r.ReportedTCB
	query := fmt.Sprintf("blSPL=%02d&teeSPL=%02d&snpSPL=%02d&ucodeSPL=%02d", t.Bootloader, t.TEE, t.SNP, t.Microcode)
	if g == Turin {
		if t.FMC == nil {
			return "", fmt.Errorf("snp: Turin report without an FMC version")
		}
		query = fmt.Sprintf("fmcSPL=%02d&", *t.FMC) + query
	}
	return fmt.Sprintf("%s/vcek/v1/%v/%s?%s", k.baseURL, g, id, query), nil
}

// VCEK implements VCEKSource.
func (k *KDS) VCEK(ctx context.Context, g Generation, r *AttestationReport) ([]byte, error) {
	url, err := k.VCEKURL(g, r)
	if err != nil {
		return nil, err
	}
	if der, ok := k.cache.get(url); ok {
		return der, nil
	}
	// The fetch runs apart from any one caller's context, so that a caller
	// giving up does not fail the others waiting for the same VCEK.
	result := k.flight.DoChan(url, func() (any, error) {
		if der, ok := k.cache.get(url); ok {
			return der, nil
		}
		der, err := k.fetch(context.WithoutCancel(ctx), url)
		if err != nil {
			k.logger.WarnContext(ctx, "VCEK fetch from the KDS failed", "url", url, "error", err)
			return nil, err
		}
		k.cache.put(url, der)
		return der, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-result:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]byte), nil
	}
}

func (k *KDS) fetch(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("snp: KDS request: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("snp: KDS: %w", err)
	}
	defer func() { _ = resp.Body.Close() }() // read-only: nothing to lose on close
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: KDS answered %s", ErrVCEKNotFound, resp.Status)
	}
	der, err := io.ReadAll(io.LimitReader(resp.Body, maxCertificateSize+1))
	if err != nil {
		return nil, fmt.Errorf("snp: KDS response: %w", err)
	}
	if len(der) > maxCertificateSize {
		return nil, fmt.Errorf("snp: KDS response larger than %d bytes", maxCertificateSize)
	}
	return der, nil
}

// boundedCache is a map that forgets an arbitrary entry when full: enough
// for certificates, where the working set is the fleet's chips.
type boundedCache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func newBoundedCache[K comparable, V any](size, defaultSize int) *boundedCache[K, V] {
	if size <= 0 {
		size = defaultSize
	}
	return &boundedCache[K, V]{m: make(map[K]V), max: size}
}

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *boundedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = v
}
