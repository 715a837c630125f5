package kbs

import (
	"bytes"

	"github.com/cocoon-cc/cocoon/internal/gencache"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// decodedGeneration bounds each generation of decodedSessions. An entry
// holds a stored session (~2 KB once attested) and is only useful between
// a flow's requests, moments apart, so a generation needs to cover the
// flows in progress, not every live session.
const decodedGeneration = 1024

// decodedSessions remembers, for recent session ids, the Session decoded
// from the exact bytes last read from or written to the store. Get still
// reads the store every time and reuses the Session only when the bytes
// are identical, so a session another replica rewrote or deleted is never
// answered from here: only the decode is skipped.
type decodedSessions struct {
	cache *gencache.Cache[string, decodedSession]
}

type decodedSession struct {
	stored []byte
	// sess is owned by the cache and handed out only as copies.
	sess Session
}

func newDecodedSessions() decodedSessions {
	return decodedSessions{cache: gencache.New[string, decodedSession](decodedGeneration)}
}

// remember records that stored decodes to sess. Both must be unshared: the
// cache keeps them as they are.
func (d decodedSessions) remember(id string, stored []byte, sess Session) {
	d.cache.Put(id, decodedSession{stored: stored, sess: sess})
}

// lookup returns a copy of the Session stored decodes to, if remembered.
// bytes.Equal is fine here: both sides come from the store, and the
// caller's session id only picks the entry.
func (d decodedSessions) lookup(id string, stored []byte) (*Session, bool) {
	e, ok := d.cache.Get(id)
	if !ok || !bytes.Equal(e.stored, stored) {
		return nil, false
	}
	sess := e.sess.clone()
	return &sess, true
}

// clone is s with its own copy of everything a caller could change in
// place.
func (s Session) clone() Session {
	if s.Request != nil {
		r := *s.Request
		r.ExtraParams = bytes.Clone(r.ExtraParams)
		s.Request = &r
	}
	if s.Challenge != nil {
		c := *s.Challenge
		c.ExtraParams = bytes.Clone(c.ExtraParams)
		s.Challenge = &c
	}
	return s
}

// decodedForm is, as an unshared copy, the Session that decoding
// MarshalJSON's output yields, when that follows from s without decoding:
// its strings are plain, so both encoders write them as they are, and its
// raw JSON is already in the form json.Marshal writes (compact, no byte it
// escapes). It lets Put seed decodedSessions without a decode. ok is false
// otherwise; the next Get then decodes.
func (s *Session) decodedForm() (Session, bool) {
	// MarshalJSON writes the timeout in UTC, which also drops the
	// monotonic reading a decoded time never has.
	expires := s.Expires.UTC()
	if !plain(s.ID) || expires.Year() < 0 || expires.Year() > 9999 {
		return Session{}, false
	}
	if s.Attested() {
		if !plain(s.Token) {
			return Session{}, false
		}
		return Session{ID: s.ID, Expires: expires, Token: s.Token}, true
	}
	r, c := s.Request, s.Challenge
	if r == nil || c == nil || !plain(r.Version) || !plain(string(r.Tee)) || !plain(c.Nonce) ||
		!compactPlain(r.ExtraParams) || !compactPlain(c.ExtraParams) {
		return Session{}, false
	}
	return Session{
		ID: s.ID, Expires: expires,
		Request:   &kbs.Request{Version: r.Version, Tee: r.Tee, ExtraParams: bytes.Clone(r.ExtraParams)},
		Challenge: &kbs.Challenge{Nonce: c.Nonce, ExtraParams: bytes.Clone(c.ExtraParams)},
	}, true
}

// compactPlain reports whether raw JSON is non-empty printable ASCII with
// no whitespace and none of <, > and &: json.Marshal then writes it as it
// is (or refuses it as invalid), and decoding reads back the same bytes.
func compactPlain(raw []byte) bool {
	for _, c := range raw {
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return len(raw) > 0
}
