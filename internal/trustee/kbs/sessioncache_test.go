package kbs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

var testChallenge = kbs.Challenge{Nonce: "n", ExtraParams: json.RawMessage(`""`)}

// describe shows a session with what its pointers point to.
func describe(s *Session) string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%+v request=%+v challenge=%+v", *s, s.Request, s.Challenge)
}

// storedBytes is what the store holds for id.
func storedBytes(t *testing.T, store storage.Store, id string) []byte {
	t.Helper()
	b, err := store.Get(context.Background(), storage.NamespaceSessions, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Get answers what the store holds now, even when another process wrote it
// after this one decoded the session.
func TestGetSeesSessionsWrittenByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store := storage.NewMemory()
	sessions := newTestSessions(store, time.Minute, &now)
	other := newTestSessions(store, time.Minute, &now)

	sess, err := sessions.Create(ctx, testRequest, testChallenge)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sessions.decoded.lookup(sess.ID, storedBytes(t, store, sess.ID)); !ok {
		t.Fatal("Create did not remember the session it stored")
	}
	for _, token := range []string{"first", "second"} {
		theirs, err := other.Get(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		theirs.attest(token)
		if err := other.Put(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		if got, err := sessions.Get(ctx, sess.ID); err != nil || got.Token != token {
			t.Fatalf("after the other process stored token %q: %+v, %v", token, got, err)
		}
	}

	// A record of another session written under this id is refused, on
	// every read.
	foreign, err := (&Session{ID: strings.Repeat("0", 32), Expires: now.Add(time.Minute), Token: "t"}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Set(ctx, storage.NamespaceSessions, sess.ID, foreign, true); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := sessions.Get(ctx, sess.ID); err == nil {
			t.Fatalf("session stored under another id answered: %+v", got)
		}
	}

	if err := store.Delete(ctx, storage.NamespaceSessions, sess.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := sessions.Get(ctx, sess.ID); !errors.Is(err, ErrSessionNotFound) {
		t.Fatalf("session deleted by another process: %+v, %v", got, err)
	}
}

// A remembered session still expires.
func TestGetExpiresRememberedSessions(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store := storage.NewMemory()
	sessions := newTestSessions(store, time.Minute, &now)
	sess, err := sessions.Create(ctx, testRequest, testChallenge)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute + time.Nanosecond)
	if _, err := sessions.Get(ctx, sess.ID); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("expired remembered session: %v", err)
	}
	if _, err := store.Get(ctx, storage.NamespaceSessions, sess.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("expired session left in the store: %v", err)
	}
}

// Changing a session in place, the one given to Put or one Get returned,
// changes no other caller's session.
func TestRememberedSessionsAreNotShared(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sessions := newTestSessions(storage.NewMemory(), time.Minute, &now)
	req := testRequest
	req.ExtraParams = json.RawMessage(`{"supported-hash-algorithms":["sha384"]}`)
	created, err := sessions.Create(ctx, req, testChallenge)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sessions.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want = new(want.clone())

	scribble := func(s *Session) {
		s.Request.ExtraParams[2] = 'X'
		s.Request.Tee = "other"
		s.Challenge.ExtraParams[0] = 'X'
		s.Challenge.Nonce = "other"
	}
	scribble(created)
	first, err := sessions.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	scribble(first)
	second, err := sessions.Get(ctx, created.ID)
	if err != nil || !reflect.DeepEqual(second, want) {
		t.Fatalf("Get after changes in place = %s, %v\nwant %s", describe(second), err, describe(want))
	}
}

// Whatever decodedForm answers is what decoding the stored session gives,
// so a session Put remembers never differs from one decoded from the store.
func FuzzDecodedForm(f *testing.F) {
	f.Add(strings.Repeat("ab", 16), "", "0.4.0", "sample", "bm9uY2U=", []byte(`{"supported-hash-algorithms":["sha384"]}`), []byte(`""`), int64(1767323045), int64(678))
	f.Add("id", "eyJh.eyJi.c2ln", "", "", "", []byte(nil), []byte(nil), int64(1767323045), int64(0))
	f.Add("id", "", "v", "t<", "n", []byte(`"\u2028"`), []byte(`""`), int64(-62135596800), int64(1))
	f.Add("id", "", "v", "t", "n", []byte(`{ "a" : 1 }`), []byte(`""`), int64(0), int64(0))
	f.Add("id", "", "v", "t", "n", []byte(`[1,"<"]`), []byte(`"\u00e9"`), int64(253402300799), int64(999999999))
	f.Fuzz(func(t *testing.T, id, token, version, tee, nonce string, reqExtra, chExtra []byte, sec, nsec int64) {
		sess := &Session{ID: id, Expires: time.Unix(sec, nsec), Token: token,
			Request:   &kbs.Request{Version: version, Tee: kbs.Tee(tee), ExtraParams: reqExtra},
			Challenge: &kbs.Challenge{Nonce: nonce, ExtraParams: chExtra}}
		form, ok := sess.decodedForm()
		if !ok {
			return
		}
		b, err := sess.MarshalJSON()
		if err != nil {
			return // Put stores and remembers nothing
		}
		var decoded Session
		if err := decoded.UnmarshalJSON(b); err != nil {
			t.Fatalf("%s does not decode: %v", b, err)
		}
		if !reflect.DeepEqual(form, decoded) {
			t.Fatalf("%s\ndecodedForm %s\ndecodes to  %s", b, describe(&form), describe(&decoded))
		}
	})
}
