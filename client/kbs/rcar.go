package kbs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// supportedHashAlgorithms is what the client can bind evidence with; sm3
// is left out because Cocoon does not implement it.
var supportedHashAlgorithms = []kbs.HashAlgorithm{kbs.SHA256, kbs.SHA384, kbs.SHA512}

// authExtraParams offers supportedHashAlgorithms in the RCAR request;
// the same for every handshake, so encoded once.
var authExtraParams = mustMarshal(map[string]any{"supported-hash-algorithms": supportedHashAlgorithms})

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// The RCAR routes, shared by every handshake (routeURL only reads them).
var (
	authRoute   = []string{"auth"}
	attestRoute = []string{"attest"}
)

// initDataFormat is the only init-data format Trustee accepts.
const initDataFormat = "toml"

// Attest runs the attestation handshake (RCAR) and returns the token. Like
// upstream, it tries up to 5 times, 1 s apart, and stops early when ctx ends.
func (c *Client) Attest(ctx context.Context) (string, error) {
	for attempt := 1; ; attempt++ {
		token, err := c.handshake(ctx)
		if err == nil {
			return token, nil
		}
		if attempt == rcarMaxAttempts {
			return "", err
		}
		if ctx.Err() != nil {
			return "", contextError(ctx, err)
		}
		c.log.WarnContext(ctx, "kbs attestation failed, retrying", "attempt", attempt, "error", err)
		timer := time.NewTimer(c.retryDelay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return "", contextError(ctx, err)
		case <-timer.C:
		}
	}
}

// contextError reports that ctx ended, with the last attempt's error.
func contextError(ctx context.Context, last error) error {
	if errors.Is(last, ctx.Err()) {
		return last
	}
	return fmt.Errorf("%w (last attempt: %w)", ctx.Err(), last)
}

// handshake is one Request, Challenge, Attestation, Response exchange. The
// session and token become the client's only once it succeeds.
func (c *Client) handshake(ctx context.Context) (string, error) {
	challenge, sessionID, err := c.requestChallenge(ctx)
	if err != nil {
		return "", err
	}
	attestation, err := c.buildAttestation(ctx, challenge)
	if err != nil {
		return "", err
	}
	req, err := newJSONRequest(ctx, http.MethodPost, routeURL(c.api, attestRoute, ""), attestation)
	if err != nil {
		return "", err
	}
	cookie := sessionCookieHeader(sessionID)
	req.Header["Cookie"] = []string{cookie}
	body, _, err := send(c.http, req)
	if err != nil {
		return "", err
	}
	raw, err := attestationToken(body)
	if err != nil {
		return "", err
	}
	token, err := parseCachedToken(raw)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.cookie, c.cached = cookie, token
	c.mu.Unlock()
	c.log.DebugContext(ctx, "kbs attestation succeeded", "tee", string(c.provider.Tee()))
	return raw, nil
}

// requestChallenge posts the Request and returns the Challenge with the
// session it opened.
func (c *Client) requestChallenge(ctx context.Context) (*kbs.Challenge, string, error) {
	request := kbs.Request{Version: kbs.ProtocolVersion, Tee: c.provider.Tee(), ExtraParams: authExtraParams}
	req, err := newJSONRequest(ctx, http.MethodPost, routeURL(c.api, authRoute, ""), request)
	if err != nil {
		return nil, "", err
	}
	body, header, err := send(c.http, req)
	if err != nil {
		return nil, "", err
	}
	challenge, err := challengeAnswer(body)
	if err != nil {
		return nil, "", err
	}
	if challenge.Nonce == "" {
		return nil, "", errors.New("kbs: challenge has no nonce")
	}
	if sessionID := sessionCookie(header); sessionID != "" {
		return challenge, sessionID, nil
	}
	return nil, "", fmt.Errorf("kbs: challenge answer sets no %s cookie", kbs.SessionCookie)
}

// buildAttestation collects evidence bound to the challenge and the TEE
// key: the devices' evidence carries H(JCS({nonce, tee-pubkey})), the
// primary evidence H(JCS({nonce, tee-pubkey, additional-evidence})).
func (c *Client) buildAttestation(ctx context.Context, challenge *kbs.Challenge) (*kbs.Attestation, error) {
	alg := kbs.SelectedHashAlgorithm(challenge.ExtraParams)
	if _, err := kbs.ParseHashAlgorithm(string(alg)); err != nil {
		return nil, fmt.Errorf("kbs: challenge selects a hash the client did not offer: %w", err)
	}
	pub := c.key.PublicKey()

	deviceDigest, err := kbs.RuntimeDataDigest(alg, kbs.DeviceRuntimeData(challenge.Nonce, pub))
	if err != nil {
		return nil, err
	}
	additional, err := c.provider.AdditionalEvidence(ctx, deviceDigest)
	if err != nil {
		return nil, fmt.Errorf("kbs: additional evidence: %w", err)
	}
	primaryDigest, err := kbs.RuntimeDataDigest(alg, kbs.PrimaryRuntimeData(challenge.Nonce, pub, additional))
	if err != nil {
		return nil, err
	}
	primary, err := c.provider.PrimaryEvidence(ctx, primaryDigest)
	if err != nil {
		return nil, fmt.Errorf("kbs: primary evidence: %w", err)
	}

	attestation := &kbs.Attestation{
		RuntimeData: kbs.RuntimeData{Nonce: challenge.Nonce, TeePubKey: pub},
		TeeEvidence: kbs.CompositeEvidence{PrimaryEvidence: primary, AdditionalEvidence: additional},
	}
	if c.initData != nil {
		attestation.InitData = &kbs.InitData{Format: initDataFormat, Body: string(c.initData)}
	}
	return attestation, nil
}
