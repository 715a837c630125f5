package kbs

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

var (
	// ErrSessionNotFound is returned for an unknown or malformed session id.
	ErrSessionNotFound = errors.New("session not found")
	// ErrSessionExpired is returned for a session past its lifetime.
	ErrSessionExpired = errors.New("session expired")
)

// Session is one RCAR handshake: Authed after /auth, Attested once /attest
// issued a token. Its lifetime is fixed at /auth.
type Session struct {
	ID      string
	Expires time.Time
	// Set while Authed.
	Request   *kbs.Request
	Challenge *kbs.Challenge
	// Set once Attested.
	Token string
}

// Attested reports whether the session holds a token.
func (s *Session) Attested() bool { return s.Token != "" }

// Expired reports whether the session is past its lifetime at now.
func (s *Session) Expired(now time.Time) bool { return now.After(s.Expires) }

// Cookie is the cookie upstream sets: only the id and Expires.
func (s *Session) Cookie() *http.Cookie {
	return &http.Cookie{Name: kbs.SessionCookie, Value: s.ID, Expires: s.Expires}
}

// attest moves the session to Attested, dropping the handshake state.
func (s *Session) attest(token string) {
	s.Token, s.Request, s.Challenge = token, nil, nil
}

// newSessionID is a v4 UUID in simple form: 32 lowercase hex digits.
func newSessionID() (string, error) {
	u, err := uuid.NewRandom()
	if err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	var b [32]byte
	const digits = "0123456789abcdef"
	for i, v := range u {
		b[2*i], b[2*i+1] = digits[v>>4], digits[v&0xf]
	}
	return string(b[:]), nil
}

// validSessionID accepts only ids newSessionID could have made, so a cookie
// never reaches the store as an arbitrary key.
func validSessionID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// sameID compares ids in constant time: a session id is a bearer secret.
func sameID(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// The stored form is upstream's SessionStatus (serde's externally tagged
// enum, RFC 3339 timeouts), so a session written by one replica reads the
// same in every other.
type (
	storedSession struct {
		Authed   *authedSession   `json:"Authed,omitempty"`
		Attested *attestedSession `json:"Attested,omitempty"`
	}
	authedSession struct {
		Request   kbs.Request   `json:"request"`
		Challenge kbs.Challenge `json:"challenge"`
		ID        string        `json:"id"`
		Timeout   time.Time     `json:"timeout"`
	}
	attestedSession struct {
		Token   string    `json:"token"`
		ID      string    `json:"id"`
		Timeout time.Time `json:"timeout"`
	}
)

// MarshalJSON writes upstream's SessionStatus.
func (s *Session) MarshalJSON() ([]byte, error) {
	expires := s.Expires.UTC()
	if s.Attested() {
		if b, ok := encodeAttested(s.Token, s.ID, expires); ok {
			return b, nil
		}
		return json.Marshal(storedSession{Attested: &attestedSession{Token: s.Token, ID: s.ID, Timeout: expires}})
	}
	if s.Request == nil || s.Challenge == nil {
		return nil, errors.New("session: neither authed nor attested")
	}
	return json.Marshal(storedSession{Authed: &authedSession{
		Request: *s.Request, Challenge: *s.Challenge, ID: s.ID, Timeout: expires,
	}})
}

// UnmarshalJSON reads upstream's SessionStatus.
func (s *Session) UnmarshalJSON(b []byte) error {
	if attested, ok := decodeAttested(b); ok {
		*s = attested
		return nil
	}
	var st storedSession
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	switch {
	case st.Authed != nil && st.Attested == nil:
		a := st.Authed
		*s = Session{ID: a.ID, Expires: a.Timeout, Request: &a.Request, Challenge: &a.Challenge}
	case st.Attested != nil && st.Authed == nil && st.Attested.Token != "":
		a := st.Attested
		*s = Session{ID: a.ID, Expires: a.Timeout, Token: a.Token}
	default:
		return errors.New("session: want exactly one of Authed or Attested")
	}
	return nil
}

// The attested form as MarshalJSON writes it, around its three strings.
var (
	attestedPrefix  = []byte(`{"Attested":{"token":"`)
	attestedID      = []byte(`","id":"`)
	attestedTimeout = []byte(`","timeout":"`)
	attestedSuffix  = []byte(`"}}`)
)

// encodeAttested writes an attested session as encoding/json would when
// its strings need no escaping and the timeout is one time.Time encodes:
// /attest stores one per flow, and encoding/json reflects over it and
// scans the ~2 KB token for escapes. ok is false otherwise.
func encodeAttested(token, id string, expires time.Time) ([]byte, bool) {
	if !plain(token) || !plain(id) || expires.Year() < 0 || expires.Year() > 9999 {
		return nil, false
	}
	b := make([]byte, 0, len(attestedPrefix)+len(token)+len(attestedID)+len(id)+len(attestedTimeout)+len(time.RFC3339Nano)+len(attestedSuffix))
	b = append(append(append(b, attestedPrefix...), token...), attestedID...)
	b = append(append(b, id...), attestedTimeout...)
	b = expires.AppendFormat(b, time.RFC3339Nano)
	return append(b, attestedSuffix...), true
}

// decodeAttested reads an attested session exactly as MarshalJSON writes it
// when its strings need no JSON escaping (a JWS, an id and a timestamp never
// do): each resource request reads one, and encoding/json scans its ~2 KB
// token twice. Anything else is left to encoding/json (ok is false), which
// reads these bytes the same way.
func decodeAttested(b []byte) (s Session, ok bool) {
	token, id, expires, ok := attestedParts(b)
	if !ok {
		return Session{}, false
	}
	return Session{ID: string(id), Expires: expires, Token: string(token)}, true
}

// attestedParts splits what decodeAttested reads without copying it.
func attestedParts(b []byte) (token, id []byte, expires time.Time, ok bool) {
	rest, ok := bytes.CutPrefix(b, attestedPrefix)
	if !ok {
		return nil, nil, time.Time{}, false
	}
	token, rest, ok = plainString(rest, attestedID)
	if !ok || len(token) == 0 {
		return nil, nil, time.Time{}, false
	}
	id, rest, ok = plainString(rest, attestedTimeout)
	if !ok {
		return nil, nil, time.Time{}, false
	}
	timeout, rest, ok := plainString(rest, attestedSuffix)
	if !ok || len(rest) != 0 {
		return nil, nil, time.Time{}, false
	}
	if expires.UnmarshalJSON([]byte(`"`+string(timeout)+`"`)) != nil {
		return nil, nil, time.Time{}, false
	}
	return token, id, expires, true
}

// storedExpiry is when the stored session b expires; the sweeper reads it
// for every live session, so the attested form is read without copying
// its token.
func storedExpiry(b []byte) (time.Time, error) {
	if _, _, expires, ok := attestedParts(b); ok {
		return expires, nil
	}
	var sess Session
	if err := sess.UnmarshalJSON(b); err != nil {
		return time.Time{}, err
	}
	return sess.Expires, nil
}

// plainString returns the bytes of b up to end when they are plain, and
// what follows end.
func plainString(b, end []byte) ([]byte, []byte, bool) {
	i := bytes.IndexByte(b, '"')
	if i < 0 || !bytes.HasPrefix(b[i:], end) || !plain(b[:i]) {
		return nil, nil, false
	}
	return b[:i], b[i+len(end):], true
}

// plain reports whether s is printable ASCII that encoding/json writes as
// is: no quote or backslash, and none of <, > and & it escapes for HTML.
func plain[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if !plainBytes[s[i]] {
			return false
		}
	}
	return true
}

// plainBytes are the bytes plain allows, as a table: plain runs over every
// ~2 KB token stored, and one lookup a byte is several times faster than
// comparing each byte with each exception.
var plainBytes = func() (allowed [256]bool) {
	for c := byte(0x20); c < 0x7f; c++ {
		allowed[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return allowed
}()
