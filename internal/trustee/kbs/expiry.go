package kbs

import (
	"encoding/hex"
	"sync"
	"time"
)

// expiryQueue lists the sessions this process created, oldest first. Every
// session of one SessionStore lives the same lifetime from its creation,
// so the oldest is also the first to expire (concurrent creations may
// queue microseconds out of order, which only delays a deletion to the
// next sweep), and a sweep pops expired
// sessions off the front: its cost follows the sessions that expired, not
// the sessions alive. Listing and reading every stored session took 4 s of
// CPU with a million live sessions (five minutes at 3,300 flows/s), once
// a minute.
//
// An entry holds no pointer (the id as 16 bytes, the expiry in Unix
// nanoseconds), so a million of them cost the garbage collector nothing.
type expiryQueue struct {
	mu      sync.Mutex
	entries []expiryEntry
	head    int // entries[:head] were popped
}

type expiryEntry struct {
	id      [16]byte
	expires int64
}

// push records session id, created now, expiring at expires. Ids that are
// not newSessionID's are not recorded; only the full sweep finds those.
func (q *expiryQueue) push(id string, expires time.Time) {
	var e expiryEntry
	if len(id) != 2*len(e.id) {
		return
	}
	if _, err := hex.Decode(e.id[:], []byte(id)); err != nil {
		return
	}
	e.expires = expires.UnixNano()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries = append(q.entries, e)
}

// popExpired removes and returns the ids of the sessions expired at now,
// in queue order. Until the next popExpired, unpop can put back the last
// of them.
func (q *expiryQueue) popExpired(now time.Time) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	// Drop the front popped before, once it is most of the slice: memory
	// follows the sessions alive, and each entry is copied O(1) times.
	if q.head > len(q.entries)/2 {
		q.entries = append(q.entries[:0], q.entries[q.head:]...)
		q.head = 0
	}
	var ids []string
	for q.head < len(q.entries) && now.UnixNano() > q.entries[q.head].expires {
		ids = append(ids, hex.EncodeToString(q.entries[q.head].id[:]))
		q.head++
	}
	return ids
}

// unpop puts back the last n ids the latest popExpired returned, for a
// sweep that could not delete them.
func (q *expiryQueue) unpop(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.head -= n
}

// len is how many sessions are queued.
func (q *expiryQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries) - q.head
}
