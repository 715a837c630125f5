package kbs

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Trustee's /attest answer is exactly {"token":"<JWT>"}.
var (
	tokenAnswerPrefix = []byte(`{"token":"`)
	tokenAnswerSuffix = []byte(`"}`)
)

// attestationToken returns the token of an /attest answer. A JWT needs no
// JSON escapes, so Trustee's exact answer is read without encoding/json,
// which scanned the kilobyte-long token twice; any other body is decoded.
func attestationToken(body []byte) (string, error) {
	if inner, ok := bytes.CutPrefix(body, tokenAnswerPrefix); ok {
		if token, ok := bytes.CutSuffix(inner, tokenAnswerSuffix); ok && isCompactJWSText(token) {
			return string(token), nil
		}
	}
	var answer kbs.AttestationResponse
	if err := decodeJSON(body, &answer, "attestation answer"); err != nil {
		return "", err
	}
	return answer.Token, nil
}

// isCompactJWSText reports whether b holds only base64url characters and
// dots, none of which JSON escapes.
func isCompactJWSText(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// sessionCookieHeader is the Cookie header carrying sessionID, exactly as
// Request.AddCookie writes it on a request without cookies; built once per
// session instead of once per request.
func sessionCookieHeader(sessionID string) string {
	return (&http.Cookie{Name: kbs.SessionCookie, Value: sessionID}).String()
}

// sessionCookie returns the session id set by the answer's Set-Cookie
// headers, or "". Only each cookie's name=value is parsed: the attributes
// (a date for Expires) are the server's business, not the client's.
func sessionCookie(h http.Header) string {
	for _, line := range h.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(line, ";")
		cookie, err := http.ParseSetCookie(pair)
		if err == nil && cookie.Name == kbs.SessionCookie && cookie.Value != "" {
			return cookie.Value
		}
	}
	return ""
}
