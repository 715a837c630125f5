package plugin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

func newResource(t *testing.T) (*Resource, storage.Store, *metrics.Metrics) {
	t.Helper()
	store := storage.NewMemory()
	m := metrics.New(metrics.BuildInfo{})
	return NewResource(store, m, slog.New(slog.DiscardHandler)), store, m
}

func TestResourceLifecycle(t *testing.T) {
	ctx := context.Background()
	r, store, m := newResource(t)
	path := []string{"default", "key", "1"}
	secret := []byte("s3cret\x00bytes")

	if _, err := r.Handle(ctx, &Request{Method: http.MethodGet, Path: path}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GET before POST: %v, want ErrNotFound", err)
	}
	if _, err := r.Handle(ctx, &Request{Method: http.MethodPost, Path: path, Body: secret}); err != nil {
		t.Fatalf("POST: %v", err)
	}
	if got, _ := store.Get(ctx, storage.NamespaceRepository, "default/key/1"); string(got) != string(secret) {
		t.Fatalf("stored %q under the upstream key", got)
	}
	got, err := r.Handle(ctx, &Request{Method: http.MethodGet, Path: path})
	if err != nil || string(got) != string(secret) {
		t.Fatalf("GET = %q, %v", got, err)
	}
	if _, err := r.Handle(ctx, &Request{Method: http.MethodDelete, Path: path}); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	if _, err := r.Handle(ctx, &Request{Method: http.MethodDelete, Path: path}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DELETE: %v, want ErrNotFound", err)
	}
	for name, c := range map[string]float64{
		"reads":   counterValue(t, m.ResourceReads.WithLabelValues("default/key/1")),
		"writes":  counterValue(t, m.ResourceWrites.WithLabelValues("default/key/1")),
		"deletes": counterValue(t, m.ResourceDeletes.WithLabelValues("default/key/1")),
	} {
		if c != 1 {
			t.Errorf("%s counter = %v, want 1", name, c)
		}
	}
}

func TestResourceRefusesBadRequests(t *testing.T) {
	r, _, _ := newResource(t)
	ctx := context.Background()
	if _, err := r.Handle(ctx, &Request{Method: http.MethodGet, Path: strings.Split("../etc/passwd", "/")}); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("traversal: %v", err)
	}
	if _, err := r.Handle(ctx, &Request{Method: http.MethodPut, Path: []string{"a", "b", "c"}}); !errors.Is(err, ErrMethodNotAllowed) {
		t.Errorf("PUT: %v", err)
	}
}

func TestResourceAuthorisationModes(t *testing.T) {
	r, _, _ := newResource(t)
	if r.RequiresAdmin(http.MethodGet) || !r.Encrypted(http.MethodGet) {
		t.Error("GET must be attestation-gated and encrypted")
	}
	for _, m := range []string{http.MethodPost, http.MethodDelete, http.MethodPut} {
		if !r.RequiresAdmin(m) || r.Encrypted(m) {
			t.Errorf("%s must be an unencrypted admin call", m)
		}
	}
}

func TestSample(t *testing.T) {
	out, err := Sample{}.Handle(context.Background(), &Request{Method: http.MethodGet})
	if err != nil || string(out) != "sample plugin response" {
		t.Fatalf("sample = %q, %v", out, err)
	}
	if !(Sample{}).RequiresAdmin(http.MethodGet) {
		t.Error("sample must be admin-only")
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
