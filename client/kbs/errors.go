package kbs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Sentinels callers branch on; an *Error matches them through errors.Is.
var (
	// ErrUnauthorized matches every 401 answer: Trustee answers 401 for
	// failed attestation, missing or expired tokens, policy denial and
	// also for most internal failures.
	ErrUnauthorized = errors.New("kbs: unauthorized")
	// ErrResourceNotFound matches 404 answers (unknown path or plugin).
	ErrResourceNotFound = errors.New("kbs: resource not found")
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// Error is a non-2xx answer of the KBS, with its parsed error body.
type Error struct {
	StatusCode int
	// Info is the upstream error body. When the body was not an upstream
	// error document, Type is empty and Detail holds the body text.
	Info kbs.ErrorInformation
}

// Variant is the error variant name, the last part of Info.Type
// ("PolicyDeny", "TokenNotFound", ...), or "" when the server sent none.
func (e *Error) Variant() string {
	return strings.TrimPrefix(e.Info.Type, kbs.ErrorTypePrefix)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kbs: %d", e.StatusCode)
	if v := e.Variant(); v != "" {
		b.WriteString(" " + printable(v, 128))
	}
	if e.Info.Detail != "" {
		b.WriteString(": " + printable(e.Info.Detail, 1024))
	}
	return b.String()
}

// Is matches ErrUnauthorized for 401 and ErrResourceNotFound for 404.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401
	case ErrResourceNotFound:
		return e.StatusCode == 404
	}
	return false
}

// parseErrorBody turns a non-2xx answer into an *Error. It never fails:
// a body that is not an upstream error document is kept as the detail.
func parseErrorBody(status int, body io.Reader) *Error {
	raw, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	e := &Error{StatusCode: status}
	var info kbs.ErrorInformation
	if json.Unmarshal(raw, &info) == nil && (info.Type != "" || info.Detail != "") {
		e.Info = info
		return e
	}
	e.Info.Detail = string(raw)
	return e
}

// printable keeps at most n bytes of valid UTF-8 without control
// characters, so that a hostile server cannot flood or drive a terminal
// through an error message.
func printable(raw string, n int) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(raw, "?"))
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
