package kbs

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/flowsched"
	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// PathPrefix starts every KBS API path.
const PathPrefix = "/kbs/v0/"

// Handler is the whole HTTP surface: the KBS API under /kbs/v0/, /metrics
// and /healthz. Paths are routed as received: no cleaning and no redirects,
// so "/resource/../x" reaches the resource-path check and is refused there.
func (s *Server) Handler() http.Handler {
	metricsHandler, healthz := s.metrics.Handler(), metrics.Healthz()
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/metrics":
			metricsHandler.ServeHTTP(w, r)
		case r.URL.Path == "/healthz":
			healthz.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, PathPrefix):
			if err := s.serveAPI(w, r); err != nil {
				s.writeError(w, r, err)
			}
		default:
			s.writeError(w, r, fail(kbs.ErrInvalidRequestPath, fmt.Sprintf("Request path %s is invalid", r.URL.Path), nil))
		}
	})
	return withRequestID(s.recoverPanics(s.metrics.Instrument(routes)))
}

// serveAPI dispatches on the first segment after /kbs/v0/, as upstream: the
// built-in endpoints for their methods, anything else to the plugin of that
// name (so a GET /auth is "plugin auth not found", as upstream answers).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) error {
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, PathPrefix), "/")
	var segments []string
	if rest != "" {
		segments = strings.Split(rest, "/")
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if !scheduled(r.Method, name) {
		return s.dispatch(w, r, name, segments, body)
	}
	var served error
	queued := time.Now()
	err = s.flows.Do(r.Context(), s.flowStart(r), func() {
		s.metrics.QueueWait.Observe(time.Since(queued).Seconds())
		served = s.dispatch(w, r, name, segments, body)
	})
	switch {
	case errors.Is(err, flowsched.ErrClosed):
		return fail(kbs.ErrPluginInternal, internalDetail, err)
	case err != nil:
		// Nobody is left to answer: not a refusal, so not logged as one.
		s.logger.InfoContext(r.Context(), "client left while its request waited for a worker",
			slog.String(logKeyRequestID, requestID(r.Context())), slog.String(logKeyPath, r.URL.Path))
		return nil
	}
	return served
}

// scheduled reports the requests that run on the flow scheduler: the
// handshake and every read, which is what guests send. Admin writes, which
// may wait on the disk, run on their own goroutine so they never hold a
// worker.
func scheduled(method, name string) bool {
	return method == http.MethodGet || (method == http.MethodPost && (name == "auth" || name == "attest"))
}

// dispatch serves one API request by its first path segment and method.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, name string, segments []string, body []byte) error {
	switch {
	case name == "auth" && r.Method == http.MethodPost:
		return s.handleAuth(w, r, body)
	case name == "attest" && r.Method == http.MethodPost:
		return s.handleAttest(w, r, body)
	case name == "attestation-policy" && r.Method == http.MethodPost:
		return s.handleSetAttestationPolicy(w, r, body)
	case name == "resource-policy" && r.Method == http.MethodPost:
		return s.handleSetResourcePolicy(w, r, body)
	case name == "resource-policy" && r.Method == http.MethodGet:
		return s.handleListResourcePolicies(w, r)
	case name == "reference-value" && r.Method == http.MethodPost:
		return s.handleRegisterReferenceValue(w, r, body)
	case name == "reference-value" && r.Method == http.MethodGet:
		return s.handleQueryReferenceValue(w, r, strings.Join(segments, "/"))
	default:
		return s.servePlugin(w, r, name, segments, body)
	}
}

// readBody reads the whole body within payload_request_size.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, fail(kbs.ErrSerde, fmt.Sprintf("request body exceeds the payload_request_size limit of %d bytes", tooLarge.Limit), nil)
	}
	if err != nil {
		return nil, fail(kbs.ErrSerde, "cannot read the request body", err)
	}
	return body, nil
}

// writeJSON answers 200 with a JSON body.
func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
