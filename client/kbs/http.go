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
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer drain(resp)
		return nil, nil, parseErrorBody(resp.StatusCode, resp.Body)
	}
	body, err := readBody(resp.Body, resp.ContentLength)
	if err != nil {
		drain(resp)
		return nil, nil, fmt.Errorf("kbs: read %s answer: %w", req.URL.Path, err)
	}
	_ = resp.Body.Close() // read to its end: nothing left to drain
	return body, resp.Header, nil
}

// errBodyTooLarge refuses an answer longer than maxResponseBody.
var errBodyTooLarge = fmt.Errorf("longer than %d bytes", maxResponseBody)

// readBody reads r to its end, at most maxResponseBody bytes, into one
// buffer sized from the Content-Length when there is one, where
// io.ReadAll grew and copied chunks; it still reads on to the end, so a
// wrong length changes nothing but the cost.
func readBody(r io.Reader, contentLength int64) ([]byte, error) {
	size := 512
	if 0 <= contentLength && contentLength <= maxResponseBody {
		size = int(contentLength) + 1 // + 1: room for the read that sees EOF
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(cap(b), maxResponseBody+1)])
		b = b[:len(b)+n]
		switch {
		case len(b) > maxResponseBody:
			return nil, errBodyTooLarge
		case err == io.EOF:
			return b, nil
		case err != nil:
			return nil, err
		}
	}
}

// decodeJSON decodes a whole answer into v.
func decodeJSON(body []byte, v any, what string) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("kbs: decode %s: %w", what, err)
	}
	return nil
}
