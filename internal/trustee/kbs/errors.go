package kbs

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// apiError is a failed request as the client will see it: an upstream error
// variant (which fixes the HTTP status) and a short detail. The cause is
// logged, never sent: it may name internals the client has no business
// knowing.
type apiError struct {
	variant kbs.ErrorVariant
	detail  string
	cause   error
}

func (e *apiError) Error() string {
	if e.cause == nil {
		return e.detail
	}
	return e.detail + ": " + e.cause.Error()
}

func (e *apiError) Unwrap() error { return e.cause }

// fail builds an apiError whose detail is only the given text.
func fail(v kbs.ErrorVariant, detail string, cause error) error {
	return &apiError{variant: v, detail: detail, cause: cause}
}

// reject builds an apiError for a fault of the client's own request, where
// the cause is what the client must fix and is safe to show it.
func reject(v kbs.ErrorVariant, detail string, cause error) error {
	return &apiError{variant: v, detail: detail + ": " + cause.Error(), cause: cause}
}

// internalDetail is what a client sees for an error the server did not
// classify (a bug): nothing that helps an attacker.
const internalDetail = "Plugin internal error"

// writeError is the one place a Go error becomes an HTTP answer: upstream's
// ErrorInformation body with 404 for an unknown path or plugin and 401 for
// everything else. Each failed request is logged once, at warn, unless it
// failed because its client went away or the server is shutting down:
// nothing was refused then, and nobody reads the answer, so that is logged
// at debug.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{variant: kbs.ErrPluginInternal, detail: internalDetail, cause: err}
	}
	status := ae.variant.HTTPStatus()
	level, msg := slog.LevelWarn, "request refused"
	if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		level, msg = slog.LevelDebug, "request abandoned"
	}
	s.logger.Log(r.Context(), level, msg,
		slog.String(logKeyRequestID, requestID(r.Context())),
		slog.String(logKeyMethod, r.Method),
		slog.String(logKeyPath, r.URL.Path),
		slog.String(logKeyVariant, string(ae.variant)),
		slog.Int(logKeyStatus, status),
		slog.String(logKeyError, ae.Error()),
	)
	writeErrorBody(w, status, kbs.NewErrorInformation(ae.variant, ae.detail))
}

func writeErrorBody(w http.ResponseWriter, status int, info kbs.ErrorInformation) {
	body, _ := json.Marshal(info) // two strings: cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Log attribute keys, constant so that logs can be queried.
const (
	logKeyRequestID = "request_id"
	logKeyMethod    = "method"
	logKeyPath      = "path"
	logKeyVariant   = "error_type"
	logKeyStatus    = "status"
	logKeyError     = "error"
	logKeyTee       = "tee"
	logKeySession   = "session_id"
)
