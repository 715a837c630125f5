package kbs

import (
	"context"
	"time"
)

// Hooks for the external tests (package kbs_test). They run against a real
// Trustee from trusteetest, which imports this package, so they cannot be
// internal tests.
const (
	RCARMaxAttempts        = rcarMaxAttempts
	GetResourceMaxAttempts = getResourceMaxAttempts
	TokenRefreshMargin     = tokenRefreshMargin
)

// SetRetryDelay shortens the pause between attestation attempts.
func SetRetryDelay(c *Client, d time.Duration) { c.retryDelay = d }

// SetClock replaces the clock the token cache reads.
func SetClock(c *Client, now func() time.Time) { c.now = now }

// Handshake runs one RCAR exchange, without Attest's retries.
func Handshake(ctx context.Context, c *Client) (string, error) { return c.handshake(ctx) }
