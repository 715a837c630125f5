package kbs

import (
	"net/http"
	"time"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// recentFlowsGeneration bounds each generation of SessionStore.recent: a
// flow's /attest and resource reads follow its /auth within moments, so
// only the newest sessions need their start remembered.
const recentFlowsGeneration = 4096

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
