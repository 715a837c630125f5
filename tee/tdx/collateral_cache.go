package tdx

import (
	"context"
	"crypto/x509"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CollateralCache verifies collateral from a source once per FMSPC and
// keeps it: concurrent misses for one FMSPC share one fetch, and a hit
// costs a map lookup. Entries are refreshed after MaxAge or once the
// documents' nextUpdate has passed, whichever comes first; a failed
// refresh keeps nothing, so the next request tries again.
type CollateralCache struct {
	Source CollateralSource
	Roots  *x509.CertPool
	// MaxAge bounds how long an entry is kept; zero means 24 hours.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.RWMutex
	entries map[string]cachedCollateral
	group   singleflight.Group
}

type cachedCollateral struct {
	c       *Collateral
	expires time.Time
}

// Collateral returns verified collateral for fmspc.
func (cc *CollateralCache) Collateral(ctx context.Context, fmspc string) (*Collateral, error) {
	now := cc.now()
	cc.mu.RLock()
	e, ok := cc.entries[fmspc]
	cc.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.c, nil
	}
	v, err, _ := cc.group.Do(fmspc, func() (any, error) {
		raw, err := cc.Source.RawCollateral(ctx, fmspc)
		if err != nil {
			return nil, err
		}
		c, err := VerifyCollateral(raw, cc.Roots)
		if err != nil {
			return nil, err
		}
		cc.store(fmspc, c, now)
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Collateral), nil
}

func (cc *CollateralCache) store(fmspc string, c *Collateral, now time.Time) {
	maxAge := cc.MaxAge
	if maxAge == 0 {
		maxAge = 24 * time.Hour
	}
	expires := now.Add(maxAge)
	// Stale collateral is still served (its expiry is a claim) but asked
	// for again at most once per MaxAge; fresh collateral until it turns stale.
	for _, next := range []time.Time{c.TCBInfo.NextUpdate, c.QEIdentity.NextUpdate} {
		if next.After(now) && next.Before(expires) {
			expires = next
		}
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.entries == nil {
		cc.entries = make(map[string]cachedCollateral)
	}
	cc.entries[fmspc] = cachedCollateral{c: c, expires: expires}
}

func (cc *CollateralCache) now() time.Time {
	if cc.Now != nil {
		return cc.Now()
	}
	return time.Now()
}
