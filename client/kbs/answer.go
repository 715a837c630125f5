package kbs

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/jsonscan"
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

// challengeAnswer decodes an /auth answer as json.Unmarshal into
// kbs.Challenge does: the nonce is a string field and extra-params keeps
// the raw JSON of its value, null included, as json.RawMessage does.
func challengeAnswer(body []byte) (*kbs.Challenge, error) {
	var c kbs.Challenge
	err := jsonscan.Members(body, func(name, value []byte) error {
		switch {
		case nameIs(name, "nonce"):
			return stringField(value, &c.Nonce)
		case nameIs(name, "extra-params"):
			c.ExtraParams = bytes.Clone(value)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kbs: decode challenge: %w", err)
	}
	return &c, nil
}

// encryptedResource decodes a resource answer, a flattened JWE, as
// json.Unmarshal into kbs.Response does, without its reflection and
// second scan.
func encryptedResource(body []byte) (*kbs.Response, error) {
	var r kbs.Response
	err := jsonscan.Members(body, func(name, value []byte) error {
		if field := jweField(&r, name); field != nil {
			return stringField(value, field)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kbs: decode encrypted resource: %w", err)
	}
	return &r, nil
}

// jweField is the field of r that a member name sets, or nil.
func jweField(r *kbs.Response, name []byte) *string {
	switch {
	case nameIs(name, "protected"):
		return &r.Protected
	case nameIs(name, "encrypted_key"):
		return &r.EncryptedKey
	case nameIs(name, "aad"):
		return &r.AAD
	case nameIs(name, "iv"):
		return &r.IV
	case nameIs(name, "ciphertext"):
		return &r.Ciphertext
	case nameIs(name, "tag"):
		return &r.Tag
	}
	return nil
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
