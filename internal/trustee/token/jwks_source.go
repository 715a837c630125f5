package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// maxJWKSBytes bounds a fetched JWK set or OpenID configuration.
const maxJWKSBytes = 1 << 20

// loadJWKSet reads a trusted JWK set from a file:// URL, a local path or an
// https:// URL. For https it first tries the URL as a JWK set and, if that
// fails or is empty, treats it as an OpenID issuer and follows the jwks_uri
// of <url>/.well-known/openid-configuration, as upstream does.
func loadJWKSet(ctx context.Context, client *http.Client, source string) (jose.JSONWebKeySet, error) {
	switch {
	case strings.HasPrefix(source, "https://"):
		return fetchJWKSOrDiscover(ctx, client, source)
	case strings.HasPrefix(source, "file://"):
		u, err := url.Parse(source)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		return readJWKSFile(u.Path)
	case strings.Contains(source, "://"):
		return jose.JSONWebKeySet{}, errors.New("unsupported scheme (want file:// or https://)")
	default:
		return readJWKSFile(source)
	}
}

func readJWKSFile(path string) (jose.JSONWebKeySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return decodeJWKS(data)
}

// decodeJWKS parses a JWK set and keeps only public halves, so a key file
// that carries private keys by mistake cannot widen what is trusted.
func decodeJWKS(data []byte) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("decode JWK set: %w", err)
	}
	public := set.Keys[:0]
	for _, key := range set.Keys {
		if pub := key.Public(); pub.Valid() {
			public = append(public, pub)
		}
	}
	set.Keys = public
	return set, nil
}

func fetchJWKSOrDiscover(ctx context.Context, client *http.Client, source string) (jose.JSONWebKeySet, error) {
	if data, err := fetch(ctx, client, source); err == nil {
		if set, err := decodeJWKS(data); err == nil && len(set.Keys) > 0 {
			return set, nil
		}
	}
	discovery, err := url.Parse(strings.TrimSuffix(source, "/") + "/.well-known/openid-configuration")
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	data, err := fetch(ctx, client, discovery.String())
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("OpenID discovery: %w", err)
	}
	var config struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(data, &config); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("OpenID configuration: %w", err)
	}
	if !strings.HasPrefix(config.JWKSURI, "https://") {
		return jose.JSONWebKeySet{}, fmt.Errorf("OpenID jwks_uri %q is not https", config.JWKSURI)
	}
	if data, err = fetch(ctx, client, config.JWKSURI); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return decodeJWKS(data)
}

func fetch(ctx context.Context, client *http.Client, target string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }() // read-only: nothing to lose on close
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes))
}
