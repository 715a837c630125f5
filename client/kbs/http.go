package kbs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

const (
	userAgent = "cocoon-kbs-client"
	// maxResponseBody bounds every successful answer: tokens, challenges,
	// encrypted resources, policies.
	maxResponseBody = 64 << 20
)

func newRequest(ctx context.Context, method, url, contentType string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, fmt.Errorf("kbs: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

func newJSONRequest(ctx context.Context, method, url string, v any) (*http.Request, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("kbs: encode request: %w", err)
	}
	return newRequest(ctx, method, url, "application/json", body)
}

// send performs req and returns the body and header of a 2xx answer; any
// other answer becomes an *Error carrying the parsed error body. The
// response itself stays here, where its body is closed.
func send(client *http.Client, req *http.Request) ([]byte, http.Header, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("kbs: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, parseErrorBody(resp.StatusCode, resp.Body)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("kbs: read %s answer: %w", req.URL.Path, err)
	}
	if len(body) > maxResponseBody {
		return nil, nil, fmt.Errorf("kbs: %s answer exceeds %d bytes", req.URL.Path, maxResponseBody)
	}
	return body, resp.Header, nil
}

// decodeJSON decodes a whole answer into v.
func decodeJSON(body []byte, v any, what string) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("kbs: decode %s: %w", what, err)
	}
	return nil
}
