package kbs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newTestSessions returns a store whose clock the test moves.
func newTestSessions(store storage.Store, lifetime time.Duration, now *time.Time) *SessionStore {
	s := NewSessionStore(store, lifetime, discardLogger())
	s.now = func() time.Time { return *now }
	return s
}

var testRequest = kbs.Request{Version: kbs.ProtocolVersion, Tee: kbs.TeeSample, ExtraParams: json.RawMessage(`""`)}

func TestSessionIDIsSimpleUUIDv4(t *testing.T) {
	id, err := newSessionID()
	if err != nil {
		t.Fatal(err)
	}
	if !validSessionID(id) || id[12] != '4' || !strings.ContainsRune("89ab", rune(id[16])) {
		t.Fatalf("session id %q is not a simple v4 UUID", id)
	}
}

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store := storage.NewMemory()
	sessions := newTestSessions(store, 5*time.Minute, &now)

	sess, err := sessions.Create(ctx, testRequest, kbs.Challenge{Nonce: "n", ExtraParams: json.RawMessage(`""`)})
	if err != nil {
		t.Fatal(err)
	}
	// A replica sharing the store sees the same session.
	replica := newTestSessions(store, 5*time.Minute, &now)
	got, err := replica.Get(ctx, sess.ID)
	if err != nil || got.Attested() || got.Challenge.Nonce != "n" || got.Request.Tee != kbs.TeeSample {
		t.Fatalf("replica Get = %+v, %v", got, err)
	}
	got.attest("tok")
	if err := replica.Put(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := sessions.Get(ctx, sess.ID)
	if err != nil || again.Token != "tok" || !again.Expires.Equal(sess.Expires) {
		t.Fatalf("after attest: %+v, %v (lifetime must stay fixed at /auth)", again, err)
	}

	now = now.Add(5*time.Minute + time.Second)
	if _, err := sessions.Get(ctx, sess.ID); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("expired Get: %v", err)
	}
	if _, err := store.Get(ctx, storage.NamespaceSessions, sess.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("expired session left in the store: %v", err)
	}
}

func TestSessionGetRefusesForeignIDs(t *testing.T) {
	sessions := NewSessionStore(storage.NewMemory(), time.Minute, discardLogger())
	for _, id := range []string{"", "../x", strings.Repeat("A", 32), strings.Repeat("0", 31), strings.Repeat("0", 32)} {
		if _, err := sessions.Get(context.Background(), id); !errors.Is(err, ErrSessionNotFound) {
			t.Errorf("Get(%q) = %v, want ErrSessionNotFound", id, err)
		}
	}
}

func TestSessionStoredAsUpstreamSessionStatus(t *testing.T) {
	expires := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	authed := &Session{ID: "abc", Expires: expires, Request: &testRequest, Challenge: &kbs.Challenge{Nonce: "n", ExtraParams: json.RawMessage(`""`)}}
	b, err := json.Marshal(authed)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Authed":{"request":{"version":"0.4.0","tee":"sample","extra-params":""},"challenge":{"nonce":"n","extra-params":""},"id":"abc","timeout":"2026-01-02T03:04:05Z"}}`
	if string(b) != want {
		t.Fatalf("authed session\n got %s\nwant %s", b, want)
	}
	authed.attest("tok")
	b, _ = json.Marshal(authed)
	if want := `{"Attested":{"token":"tok","id":"abc","timeout":"2026-01-02T03:04:05Z"}}`; string(b) != want {
		t.Fatalf("attested session\n got %s\nwant %s", b, want)
	}
	for _, bad := range []string{`{}`, `{"Authed":null}`, `{"Attested":{"token":"","id":"a"}}`, `[]`, `{"Authed":{},"Attested":{"token":"t"}}`} {
		var s Session
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestSweepRemovesOnlyExpiredSessions(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store := storage.NewMemory()
	short := newTestSessions(store, time.Minute, &now)
	long := newTestSessions(store, time.Hour, &now)
	// Both stored forms, Authed and Attested, each expired and live.
	var old, young []*Session
	for i, sessions := range []*SessionStore{short, long} {
		authed, _ := sessions.Create(ctx, testRequest, kbs.Challenge{Nonce: "a"})
		attested, _ := sessions.Create(ctx, testRequest, kbs.Challenge{Nonce: "b"})
		attested.attest("eyJh.eyJi.c2ln")
		if err := sessions.Put(ctx, attested); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			old = []*Session{authed, attested}
		} else {
			young = []*Session{authed, attested}
		}
	}
	if err := store.Set(ctx, storage.NamespaceSessions, "foreign", []byte("not a session"), true); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	n, err := short.Sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 removed", n, err)
	}
	for _, sess := range old {
		if _, err := store.Get(ctx, storage.NamespaceSessions, sess.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("expired session (attested %v) survived the sweep", sess.Attested())
		}
	}
	for _, sess := range young {
		if _, err := long.Get(ctx, sess.ID); err != nil {
			t.Errorf("live session (attested %v) swept: %v", sess.Attested(), err)
		}
	}
	if _, err := store.Get(ctx, storage.NamespaceSessions, "foreign"); err != nil {
		t.Error("unparsable record deleted")
	}
}

// BenchmarkSessionRoundTrip is what one KBS flow does with its session on
// the in-memory backend: Create at /auth, Get and Put at /attest, Get at the
// resource request, with a token of a realistic size.
func BenchmarkSessionRoundTrip(b *testing.B) {
	ctx := context.Background()
	sessions := NewSessionStore(storage.NewMemory(), time.Minute, discardLogger())
	token := strings.Repeat("eyJhbGciOiJFUzI1NiJ9", 100) // ~2 KB, the size of a sample EAR token
	b.ReportAllocs()
	for b.Loop() {
		sess, err := sessions.Create(ctx, testRequest, kbs.Challenge{Nonce: "n", ExtraParams: json.RawMessage(`""`)})
		if err != nil {
			b.Fatal(err)
		}
		if sess, err = sessions.Get(ctx, sess.ID); err != nil {
			b.Fatal(err)
		}
		sess.attest(token)
		if err := sessions.Put(ctx, sess); err != nil {
			b.Fatal(err)
		}
		if _, err := sessions.Get(ctx, sess.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeAttested reads what MarshalJSON writes for an attested session.
func TestDecodeAttestedReadsMarshalJSON(t *testing.T) {
	sess := &Session{ID: strings.Repeat("ab", 16), Expires: time.Date(2026, 1, 2, 3, 4, 5, 678, time.UTC), Token: "eyJh.eyJi.c2ln"}
	b, err := sess.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := decodeAttested(b)
	if !ok || got.ID != sess.ID || got.Token != sess.Token || !got.Expires.Equal(sess.Expires) || got.Request != nil {
		t.Fatalf("decodeAttested(%s) = %+v, %v", b, got, ok)
	}
	for _, other := range []string{
		`{"Attested":{"token":"","id":"a","timeout":"2026-01-02T03:04:05Z"}}`,     // empty token: refused by UnmarshalJSON
		`{"Attested":{"token":"t\"x","id":"a","timeout":"2026-01-02T03:04:05Z"}}`, // escapes
		`{"Attested":{"token":"t","id":"a","timeout":"2026-01-02T03:04:05Z"}} `,   // trailing space
		`{"Attested":{"token":"t","id":"a","timeout":"yesterday"}}`,
		`{"Attested":{"token":"t","timeout":"2026-01-02T03:04:05Z","id":"a"}}`, // other member order
	} {
		if _, ok := decodeAttested([]byte(other)); ok {
			t.Errorf("decodeAttested took %s", other)
		}
	}
}

// Whatever decodeAttested accepts, encoding/json reads the same way.
func FuzzDecodeAttested(f *testing.F) {
	f.Add([]byte(`{"Attested":{"token":"eyJh.eyJi.c2ln","id":"0123456789abcdef0123456789abcdef","timeout":"2026-01-02T03:04:05.000000678Z"}}`))
	f.Add([]byte(`{"Attested":{"token":"t","id":"","timeout":"2026-01-02T03:04:05+02:00"}}`))
	f.Add([]byte(`{"Authed":{"request":{"version":"0.4.0","tee":"sample","extra-params":""},"challenge":{"nonce":"n","extra-params":""},"id":"abc","timeout":"2026-01-02T03:04:05Z"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := decodeAttested(b)
		if !ok {
			return
		}
		var st storedSession
		if err := json.Unmarshal(b, &st); err != nil || st.Authed != nil || st.Attested == nil {
			t.Fatalf("decodeAttested took %q, encoding/json: %+v, %v", b, st, err)
		}
		a := st.Attested
		if a.Token != fast.Token || a.ID != fast.ID || !a.Timeout.Equal(fast.Expires) || a.Timeout.Location().String() != fast.Expires.Location().String() {
			t.Fatalf("%q: decodeAttested %+v, encoding/json %+v", b, fast, a)
		}
	})
}

// Whatever encodeAttested writes, encoding/json writes too.
func FuzzEncodeAttested(f *testing.F) {
	f.Add("eyJh.eyJi.c2ln", "0123456789abcdef0123456789abcdef", int64(1767323045), int64(678))
	f.Add("a<b", "\xff\"", int64(-62135596800), int64(0))
	f.Add("t", "", int64(253402300800), int64(999999999))
	f.Fuzz(func(t *testing.T, token, id string, sec, nsec int64) {
		expires := time.Unix(sec, nsec).UTC()
		fast, ok := encodeAttested(token, id, expires)
		if !ok {
			return
		}
		want, err := json.Marshal(storedSession{Attested: &attestedSession{Token: token, ID: id, Timeout: expires}})
		if err != nil || !bytes.Equal(fast, want) {
			t.Fatalf("encodeAttested %s\nencoding/json %s, %v", fast, want, err)
		}
	})
}

// Every byte plain allows, encoding/json writes as it is, and the token
// alphabet (base64url and the dots of a JWS) is among them.
func TestPlainBytesAreWrittenAsTheyAre(t *testing.T) {
	for c := range 256 {
		s := string([]byte{byte(c)})
		if !plain(s) {
			continue
		}
		if b, err := json.Marshal(s); err != nil || string(b) != `"`+s+`"` {
			t.Errorf("plain(%q), but encoding/json writes %s, %v", s, b, err)
		}
	}
	if alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/:"; !plain(alphabet) {
		t.Errorf("plain refuses some of %q", alphabet)
	}
}
