package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// Resource is the "resource" plugin over the unified key-value store
// (upstream's kvstorage backend): GET releases a secret, encrypted to the
// TEE; POST and DELETE are admin calls that store and remove it.
type Resource struct {
	store   storage.Store
	metrics *metrics.Metrics
	logger  *slog.Logger
}

var _ Plugin = (*Resource)(nil)

// NewResource returns the resource plugin over store's "repository" namespace.
func NewResource(store storage.Store, m *metrics.Metrics, logger *slog.Logger) *Resource {
	return &Resource{store: store, metrics: m, logger: logger}
}

// Name implements Plugin.
func (*Resource) Name() string { return "resource" }

// RequiresAdmin implements Plugin: only reads are for attested guests.
func (*Resource) RequiresAdmin(method string) bool { return method != http.MethodGet }

// Encrypted implements Plugin: a read is released only as a JWE.
func (*Resource) Encrypted(method string) bool { return method == http.MethodGet }

// Handle implements Plugin.
func (r *Resource) Handle(ctx context.Context, req *Request) ([]byte, error) {
	switch req.Method {
	case http.MethodGet, http.MethodPost, http.MethodDelete:
	default:
		return nil, fmt.Errorf("%w: %s (resource serves GET, POST and DELETE)", ErrMethodNotAllowed, req.Method)
	}
	path, err := ParseResourcePath(req.Path)
	if err != nil {
		return nil, err
	}
	key := path.String()
	switch req.Method {
	case http.MethodGet:
		value, err := r.store.Get(ctx, storage.NamespaceRepository, key)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("%w: resource %s", ErrNotFound, key)
		}
		if err != nil {
			return nil, fmt.Errorf("read resource %s: %w", key, err)
		}
		r.metrics.ResourceReads.WithLabelValues(key).Inc()
		return value, nil
	case http.MethodPost:
		if err := r.store.Set(ctx, storage.NamespaceRepository, key, req.Body, true); err != nil {
			return nil, fmt.Errorf("write resource %s: %w", key, err)
		}
		r.metrics.ResourceWrites.WithLabelValues(key).Inc()
		r.logger.InfoContext(ctx, "resource stored", slog.String("resource_path", key), slog.Int("size", len(req.Body)))
		return nil, nil
	default: // DELETE
		err := r.store.Delete(ctx, storage.NamespaceRepository, key)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("%w: resource %s", ErrNotFound, key)
		}
		if err != nil {
			return nil, fmt.Errorf("delete resource %s: %w", key, err)
		}
		r.metrics.ResourceDeletes.WithLabelValues(key).Inc()
		r.logger.InfoContext(ctx, "resource deleted", slog.String("resource_path", key))
		return nil, nil
	}
}
