package kbs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

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
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("kbs: attestation token is not a compact JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("kbs: attestation token payload: %w", err)
	}
	// Only exp and nbf: the client reads no other claim, and decoding the
	// whole claims set cost more than the rest of a handshake's parsing.
	var claims struct {
		Expiry    *jwt.NumericDate `json:"exp"`
		NotBefore *jwt.NumericDate `json:"nbf"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("kbs: attestation token claims: %w", err)
	}
	t := &cachedToken{raw: raw}
	if claims.Expiry != nil {
		t.expiry = claims.Expiry.Time
	}
	if claims.NotBefore != nil {
		t.notBefore = claims.NotBefore.Time
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
