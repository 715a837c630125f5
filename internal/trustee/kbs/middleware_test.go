package kbs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// A panicking handler (a plugin, say) becomes upstream's generic internal
// error: no crash, no 500, and the panic value stays in the log.
func TestPanicBecomesGenericError(t *testing.T) {
	s := &Server{logger: discardLogger()}
	handler := withRequestID(s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(errors.New("boom"))
	})))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/kbs/v0/crash", nil))
	var info kbs.ErrorInformation
	if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || rec.Code != http.StatusUnauthorized || info.Variant() != kbs.ErrPluginInternal {
		t.Fatalf("answer %d %s, want 401 PluginInternal", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic value leaked to the client: %s", rec.Body)
	}
}

// http.ErrAbortHandler is net/http's way to abort a response: it must
// reach net/http, not become an error answer.
func TestAbortHandlerPanicIsNotRecovered(t *testing.T) {
	s := &Server{logger: discardLogger()}
	handler := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint // sentinel panic value
			t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	t.Fatal("ErrAbortHandler was swallowed")
}

// A request that fails because its own context ended (its client went
// away, or the server is shutting down) was not refused: it is logged at
// debug, and a real refusal still at warn.
func TestAbandonedRequestIsNotLoggedAsRefused(t *testing.T) {
	var log strings.Builder
	s := &Server{logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	abandoned := httptest.NewRequestWithContext(ctx, http.MethodPost, "/kbs/v0/attest", nil)
	cause := fmt.Errorf("store session: storage: %w", context.Canceled)
	s.writeError(httptest.NewRecorder(), abandoned, fail(kbs.ErrAttestation, "RCAR handshake Attest failed", cause))
	if !strings.Contains(log.String(), "level=DEBUG msg=\"request abandoned\"") || strings.Contains(log.String(), "refused") {
		t.Fatalf("abandoned request logged as:\n%s", log.String())
	}

	// The same error on a live request is a refusal.
	log.Reset()
	live := httptest.NewRequest(http.MethodPost, "/kbs/v0/attest", nil)
	s.writeError(httptest.NewRecorder(), live, fail(kbs.ErrAttestation, "RCAR handshake Attest failed", cause))
	if !strings.Contains(log.String(), "level=WARN msg=\"request refused\"") {
		t.Fatalf("refusal logged as:\n%s", log.String())
	}
}
