package kbs

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// GetResource fetches and decrypts a resource, attesting first when the
// client has no session. path is "repo/type/tag" for the resource store or
// "plugin/<name>/<path>" for another plugin, optionally with "?query". On
// 401 the client attests again and retries, 3 attempts in all, as upstream;
// 404 gives an error matching ErrResourceNotFound.
func (c *Client) GetResource(ctx context.Context, path string) ([]byte, error) {
	route, query, err := fetchRoute(path)
	if err != nil {
		return nil, err
	}
	target := routeURL(c.api, route, query)
	if c.session() == "" {
		if _, err := c.handshake(ctx); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		plaintext, err := fetchEncrypted(ctx, c.http, target, c.key, "Cookie", c.session())
		if !errors.Is(err, ErrUnauthorized) || attempt == getResourceMaxAttempts {
			return plaintext, err
		}
		c.log.InfoContext(ctx, "kbs refused the session, attesting again", "attempt", attempt, "error", err)
		if _, err := c.handshake(ctx); err != nil {
			return nil, err
		}
	}
}

// GetResourceWithToken fetches a resource with an attestation token
// obtained elsewhere (Bearer, the "passport" mode) and decrypts it with
// the TEE key the token is bound to. It makes a single attempt.
func GetResourceWithToken(ctx context.Context, baseURL, path, token string, key *kbs.TeeKeyPair, opts ...Option) ([]byte, error) {
	if token == "" || key == nil {
		return nil, errors.New("kbs: GetResourceWithToken needs a token and its TEE key")
	}
	api, err := apiRoot(baseURL)
	if err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	route, query, err := fetchRoute(path)
	if err != nil {
		return nil, err
	}
	return fetchEncrypted(ctx, cfg.httpClient, routeURL(api, route, query), key, "Authorization", "Bearer "+token)
}

// fetchEncrypted GETs a JWE answer, authorized by the header (canonical
// name) and value given, and decrypts it with key.
func fetchEncrypted(ctx context.Context, client *http.Client, target string, key *kbs.TeeKeyPair, authHeader, authValue string) ([]byte, error) {
	req, err := newRequest(ctx, http.MethodGet, target, "", nil)
	if err != nil {
		return nil, err
	}
	req.Header[authHeader] = []string{authValue}
	body, _, err := send(client, req)
	if err != nil {
		return nil, err
	}
	jwe, err := encryptedResource(body)
	if err != nil {
		return nil, err
	}
	plaintext, err := key.Decrypt(jwe)
	if err != nil {
		return nil, fmt.Errorf("kbs: decrypt resource: %w", err)
	}
	return plaintext, nil
}
