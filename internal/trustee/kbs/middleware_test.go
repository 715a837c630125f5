package kbs

import (
	"encoding/json"
	"errors"
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
