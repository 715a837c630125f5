package kbs

import (
	"net/http"
	"sync"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// recentFlowsGeneration bounds each generation of recentFlows: a flow's
// /attest and resource reads follow its /auth within moments, so only the
// newest sessions need their start remembered.
const recentFlowsGeneration = 4096

// recentFlows remembers when this process started its newest sessions, so
// the scheduler can serve a flow's later requests by the flow's age without
// loading the session. Eviction is by generation, as in token's cache.
type recentFlows struct {
	mu        sync.Mutex
	cur, prev map[string]time.Time
}

func (f *recentFlows) add(id string, start time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil || len(f.cur) >= recentFlowsGeneration {
		f.prev, f.cur = f.cur, make(map[string]time.Time, recentFlowsGeneration)
	}
	f.cur[id] = start
}

func (f *recentFlows) start(id string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.cur[id]; ok {
		return t, true
	}
	t, ok := f.prev[id]
	return t, ok
}

// flowStart is when the request's attestation flow began: its session's
// /auth for a session this process started, now for anything else (a new
// /auth, a passport token, a session another replica started, no cookie).
// A forged cookie buys nothing: it is only looked up here, and a session
// id this process did not hand out is "now".
func (s *Server) flowStart(r *http.Request) time.Time {
	if cookie, err := r.Cookie(kbs.SessionCookie); err == nil {
		if start, ok := s.sessions.flowStart(cookie.Value); ok {
			return start
		}
	}
	return time.Now()
}
