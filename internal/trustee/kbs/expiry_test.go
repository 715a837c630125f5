package kbs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func TestExpiryQueue(t *testing.T) {
	var q expiryQueue
	base := time.Unix(1000, 0)
	id := func(i int) string { return fmt.Sprintf("%032x", i) }
	for i := range 10 {
		q.push(id(i), base.Add(time.Duration(i)*time.Second))
	}
	q.push("not a session id", base) // only the full sweep finds such ids
	if got := q.popExpired(base); len(got) != 0 {
		t.Fatalf("popped %q at the first expiry itself", got)
	}
	got := q.popExpired(base.Add(3500 * time.Millisecond))
	if !slices.Equal(got, []string{id(0), id(1), id(2), id(3)}) {
		t.Fatalf("popped %q", got)
	}
	q.unpop(2) // the deletes of 2 and 3 failed
	got = q.popExpired(base.Add(6500 * time.Millisecond))
	if !slices.Equal(got, []string{id(2), id(3), id(4), id(5), id(6)}) {
		t.Fatalf("after unpop, popped %q", got)
	}
	// Many rounds: the popped front is dropped, and what is left stays.
	for i := 10; i < 10000; i++ {
		q.push(id(i), base.Add(time.Duration(i)*time.Second))
		if i%100 == 0 {
			q.popExpired(base.Add(time.Duration(i-50) * time.Second))
		}
	}
	if n := q.len(); n != 10000-(9900-50) {
		t.Fatalf("%d queued, want the %d not expired", n, 10000-(9900-50))
	}
	if cap(q.entries) > 4*q.len()+1024 {
		t.Fatalf("queue holds %d entries for %d sessions", cap(q.entries), q.len())
	}
}

// countingStore counts the calls a sweep makes.
type countingStore struct {
	storage.Store
	lists, reads, deletes atomic.Int64
	failDeletes           bool
}

func (c *countingStore) List(ctx context.Context, ns string) ([]string, error) {
	c.lists.Add(1)
	return c.Store.List(ctx, ns)
}

func (c *countingStore) Get(ctx context.Context, ns, key string) ([]byte, error) {
	c.reads.Add(1)
	return c.Store.Get(ctx, ns, key)
}

func (c *countingStore) Delete(ctx context.Context, ns, key string) error {
	c.deletes.Add(1)
	if c.failDeletes {
		return errors.New("backend down")
	}
	return c.Store.Delete(ctx, ns, key)
}

// The minute sweep deletes this process's expired sessions without
// reading the store; the full sweep also finds the expired sessions of a
// replica that stopped.
func TestSweepCreatedReadsNothing(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store := &countingStore{Store: storage.NewMemory()}
	ours := newTestSessions(store, time.Minute, &now)
	stopped := newTestSessions(store, time.Minute, &now) // another replica, gone
	var expired []*Session
	for range 10 {
		sess, err := ours.Create(ctx, testRequest, kbs.Challenge{Nonce: "n"})
		if err != nil {
			t.Fatal(err)
		}
		expired = append(expired, sess)
	}
	orphan, _ := stopped.Create(ctx, testRequest, kbs.Challenge{Nonce: "n"})
	now = now.Add(2 * time.Minute)
	var live []*Session
	for range 100 {
		sess, _ := ours.Create(ctx, testRequest, kbs.Challenge{Nonce: "n"})
		live = append(live, sess)
	}
	// One expired session was read (and so deleted) meanwhile.
	if _, err := ours.Get(ctx, expired[0].ID); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("Get of an expired session = %v", err)
	}

	store.failDeletes = true
	if _, err := ours.sweepCreated(ctx); err == nil {
		t.Fatal("sweep with a failing store reported no error")
	}
	store.failDeletes = false
	store.lists.Store(0)
	store.reads.Store(0)
	store.deletes.Store(0)
	n, err := ours.sweepCreated(ctx)
	if err != nil || n != 9 {
		t.Fatalf("sweepCreated = %d, %v; want the 9 expired sessions left", n, err)
	}
	if store.lists.Load() != 0 || store.reads.Load() != 0 || store.deletes.Load() != 10 {
		t.Fatalf("sweepCreated made %d lists, %d reads and %d deletes; want 0, 0 and 10",
			store.lists.Load(), store.reads.Load(), store.deletes.Load())
	}
	for _, sess := range live {
		if _, err := ours.Get(ctx, sess.ID); err != nil {
			t.Fatalf("live session swept: %v", err)
		}
	}
	if _, err := store.Get(ctx, storage.NamespaceSessions, orphan.ID); err != nil {
		t.Fatalf("the minute sweep touched another replica's session: %v", err)
	}
	if n, err := ours.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("full Sweep = %d, %v; want the orphan", n, err)
	}
}
