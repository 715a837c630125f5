package kbs

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// cachedToken is an attestation token with the validity window read,
// unverified, from its claims. The client only uses them to decide when
// to attest again; the KBS is the one that verifies the token.
type cachedToken struct {
	raw       string
	notBefore time.Time // zero: no nbf claim
	expiry    time.Time // zero: no exp claim, never reused
}

func parseCachedToken(raw string) (*cachedToken, error) {
	if strings.Count(raw, ".") != 2 {
		return nil, errors.New("kbs: attestation token is not a compact JWT")
	}
	_, rest, _ := strings.Cut(raw, ".")
	encoded, _, _ := strings.Cut(rest, ".")
	payload, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("kbs: attestation token payload: %w", err)
	}
	exp, nbf, err := validityClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("kbs: attestation token claims: %w", err)
	}
	t := &cachedToken{raw: raw}
	if exp != nil {
		t.expiry = exp.Time
	}
	if nbf != nil {
		t.notBefore = nbf.Time
	}
	return t, nil
}

// usableAt reports whether the token is valid at now and stays valid for
// at least tokenRefreshMargin.
func (t *cachedToken) usableAt(now time.Time) bool {
	if t == nil || t.expiry.IsZero() || now.Before(t.notBefore) {
		return false
	}
	return now.Add(tokenRefreshMargin).Before(t.expiry)
}

// Token returns a valid attestation token and the TEE key it is bound to.
// A cached token is reused until shortly before it expires; otherwise the
// client attests again.
func (c *Client) Token(ctx context.Context) (string, *kbs.TeeKeyPair, error) {
	c.mu.Lock()
	cached := c.cached
	c.mu.Unlock()
	if cached.usableAt(c.now()) {
		return cached.raw, c.key, nil
	}
	token, err := c.Attest(ctx)
	if err != nil {
		return "", nil, err
	}
	return token, c.key, nil
}
