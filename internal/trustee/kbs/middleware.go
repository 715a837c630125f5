package kbs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

type requestIDKey struct{}

// requestID returns the id withRequestID gave the request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID tags each request with a random id, echoed in the
// X-Request-Id header, so a client report can be matched to the log line.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// recoverPanics turns a panic in a handler into a logged error and a
// generic 401, so no request can crash the server or get a 500.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as net/http does
				panic(v)
			}
			s.logger.ErrorContext(r.Context(), "handler panicked",
				slog.String(logKeyRequestID, requestID(r.Context())),
				slog.String(logKeyMethod, r.Method),
				slog.String(logKeyPath, r.URL.Path),
				slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())),
			)
			writeErrorBody(w, http.StatusUnauthorized, kbs.NewErrorInformation(kbs.ErrPluginInternal, internalDetail))
		}()
		next.ServeHTTP(w, r)
	})
}
