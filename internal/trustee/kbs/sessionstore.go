package kbs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cocoon-cc/cocoon/internal/gencache"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// SessionStore keeps RCAR sessions in the shared key-value store (namespace
// kbs_protocol_session), so that replicas over one backend serve each
// other's sessions.
type SessionStore struct {
	store    storage.Store
	lifetime time.Duration
	now      func() time.Time
	logger   *slog.Logger
	// recent is when this process started its newest sessions, so the
	// scheduler can order a flow's later requests by the flow's age
	// without loading the session.
	recent *gencache.Cache[string, time.Time]
	// decoded spares Get the decode of bytes this process last read or
	// wrote for a session.
	decoded decodedSessions
	// expiring lists the sessions this process created, for sweeps that
	// need not read every stored session.
	expiring expiryQueue
}

// NewSessionStore returns sessions living lifetime from /auth.
func NewSessionStore(store storage.Store, lifetime time.Duration, logger *slog.Logger) *SessionStore {
	return &SessionStore{store: store, lifetime: lifetime, now: time.Now, logger: logger,
		recent:  gencache.New[string, time.Time](recentFlowsGeneration),
		decoded: newDecodedSessions()}
}

// Create starts an Authed session for request and challenge.
func (s *SessionStore) Create(ctx context.Context, request kbs.Request, challenge kbs.Challenge) (*Session, error) {
	id, err := newSessionID()
	if err != nil {
		return nil, err
	}
	start := s.now()
	sess := &Session{ID: id, Expires: start.Add(s.lifetime), Request: &request, Challenge: &challenge}
	if err := s.Put(ctx, sess); err != nil {
		return nil, err
	}
	s.recent.Put(id, start)
	s.expiring.push(id, sess.Expires)
	return sess, nil
}

// Put stores sess, replacing its previous state.
func (s *SessionStore) Put(ctx context.Context, sess *Session) error {
	b, err := sess.MarshalJSON() // not json.Marshal, which would check and compact it again
	if err != nil {
		return err
	}
	if err := s.store.Set(ctx, storage.NamespaceSessions, sess.ID, b, true); err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	if form, ok := sess.decodedForm(); ok {
		s.decoded.remember(sess.ID, b, form)
	}
	return nil
}

// flowStart is when this process created session id, if it did recently.
func (s *SessionStore) flowStart(id string) (time.Time, bool) {
	return s.recent.Get(id)
}

// Get returns the live session id names. An expired session is deleted and
// reported as ErrSessionExpired.
func (s *SessionStore) Get(ctx context.Context, id string) (*Session, error) {
	if !validSessionID(id) {
		return nil, ErrSessionNotFound
	}
	var sess *Session
	err := storage.View(ctx, s.store, storage.NamespaceSessions, id, func(stored []byte) error {
		var err error
		sess, err = s.decode(id, stored)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if !sameID(sess.ID, id) {
		return nil, fmt.Errorf("load session: stored under another id")
	}
	if sess.Expired(s.now()) {
		s.delete(ctx, id)
		return nil, ErrSessionExpired
	}
	return sess, nil
}

// decode reads the session stored under id, reusing the last decode of
// the same bytes. stored is lent by the store: it is copied to be kept.
func (s *SessionStore) decode(id string, stored []byte) (*Session, error) {
	if sess, ok := s.decoded.lookup(id, stored); ok {
		return sess, nil
	}
	var sess Session
	if err := sess.UnmarshalJSON(stored); err != nil { // not json.Unmarshal, which would scan it twice
		return nil, err
	}
	s.decoded.remember(id, bytes.Clone(stored), sess.clone())
	return &sess, nil
}

func (s *SessionStore) delete(ctx context.Context, id string) {
	if err := s.store.Delete(ctx, storage.NamespaceSessions, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
		s.logger.WarnContext(ctx, "cannot delete expired session", slog.String(logKeyError, err.Error()))
	}
}

// sweepCreated deletes the expired sessions this process created and
// returns how many it removed: the sweep that runs every minute, at a cost
// that follows the expired sessions only.
func (s *SessionStore) sweepCreated(ctx context.Context) (int, error) {
	ids := s.expiring.popExpired(s.now())
	removed := 0
	for i, id := range ids {
		err := s.store.Delete(ctx, storage.NamespaceSessions, id)
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, storage.ErrNotFound): // gone already: expired on a read
			s.expiring.unpop(len(ids) - i)
			return removed, fmt.Errorf("delete expired session: %w", err)
		}
	}
	return removed, nil
}

// Sweep deletes every expired session and returns how many it removed.
// Records it cannot parse are left alone: another version may own them.
// It reads every stored session, so it runs at start and then hourly, for
// sessions no running process created (a replica that stopped).
func (s *SessionStore) Sweep(ctx context.Context) (int, error) {
	ids, err := s.store.List(ctx, storage.NamespaceSessions)
	if err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	now, removed := s.now(), 0
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		var expires time.Time
		err := storage.View(ctx, s.store, storage.NamespaceSessions, id, func(b []byte) (err error) {
			expires, err = storedExpiry(b)
			return err
		})
		// Deleted meanwhile or unreadable: next sweep.
		if err != nil || !now.After(expires) { // as Session.Expired
			continue
		}
		if err := s.store.Delete(ctx, storage.NamespaceSessions, id); err == nil {
			removed++
		}
	}
	return removed, nil
}

// Sweeper timing, as upstream: every minute, backing off from 5 s to 5 min
// while the store fails. Every fullSweepEvery-th sweep (and the first)
// reads the whole store.
const (
	sweepInterval      = time.Minute
	sweepRetryInitial  = 5 * time.Second
	sweepRetryMaxDelay = 5 * time.Minute
	fullSweepEvery     = 60
)

// RunSweeper sweeps until ctx is done.
func (s *SessionStore) RunSweeper(ctx context.Context) {
	retry := sweepRetryInitial
	full := true // until a whole-store sweep succeeds
	for round := 1; ; round++ {
		wait := sweepInterval
		sweep := s.sweepCreated
		if full {
			sweep = s.Sweep
		}
		if n, err := sweep(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.logger.WarnContext(ctx, "session sweep failed", slog.String(logKeyError, err.Error()), slog.Duration("retry_in", retry))
			wait, retry = retry, min(retry*2, sweepRetryMaxDelay)
		} else {
			retry = sweepRetryInitial
			full = round%fullSweepEvery == 0
			if n > 0 {
				s.logger.DebugContext(ctx, "expired sessions removed", slog.Int("count", n))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
