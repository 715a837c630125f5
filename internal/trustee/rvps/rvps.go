// Package rvps is the Reference Value Provider Service: it turns signed-off
// registration messages into reference values in Trustee's store, and
// answers the AS policy's query_reference_value lookups.
package rvps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// ErrInvalidMessage wraps every reason a registration message is refused.
var ErrInvalidMessage = errors.New("invalid reference value message")

// Service registers and looks up reference values.
type Service struct {
	store  storage.Store
	logger *slog.Logger
	now    func() time.Time
	// decoded spares each query the JSON decoding of an unchanged record.
	decoded recordCache
}

// New returns a Service keeping reference values in store's
// storage.NamespaceReferenceValue namespace.
func New(store storage.Store, logger *slog.Logger) *Service {
	return &Service{store: store, logger: logger, now: time.Now}
}

// Register verifies and extracts a registration message and stores every
// reference value it carries, replacing values of the same name. Values are
// validated all before any is stored, so a bad message stores nothing.
func (s *Service) Register(ctx context.Context, message []byte) error {
	msg, err := parseMessage(message)
	if err != nil {
		return err
	}
	extract, ok := extractors[msg.Type]
	if !ok {
		return fmt.Errorf("%w: unsupported type %q (supported: %s)", ErrInvalidMessage, msg.Type, supportedTypes())
	}
	values, err := extract(msg.Payload)
	if err != nil {
		return fmt.Errorf("%w: %s payload: %w", ErrInvalidMessage, msg.Type, err)
	}
	expiration := defaultExpiration(s.now())
	records := make(map[string][]byte, len(values))
	for name, value := range values {
		if err := storage.ValidateKey(name); err != nil {
			return fmt.Errorf("%w: reference value name: %w", ErrInvalidMessage, err)
		}
		record, err := json.Marshal(referenceValue{
			Version:    referenceValueVersion,
			Name:       name,
			Expiration: expiration.Format(expirationLayout),
			Value:      value,
		})
		if err != nil {
			return fmt.Errorf("encode reference value %q: %w", name, err)
		}
		records[name] = record
	}
	for name, record := range records {
		if err := s.store.Set(ctx, storage.NamespaceReferenceValue, name, record, true); err != nil {
			return fmt.Errorf("store reference value %q: %w", name, err)
		}
	}
	s.logger.InfoContext(ctx, "reference values registered", "type", msg.Type, "count", len(records))
	return nil
}

// Query returns the value of reference value id, or (nil, nil) when there is
// none. Unlike upstream, which ignores "expiration", an expired value counts
// as absent: a reference value past its date should no longer vouch for
// anything, and the policy then sees null exactly as for a missing one.
func (s *Service) Query(ctx context.Context, id string) (json.RawMessage, error) {
	record, err := s.store.Get(ctx, storage.NamespaceReferenceValue, id)
	// A name that is not a valid key can never have been registered.
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalidKey) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reference value %q: %w", id, err)
	}
	rv, err := s.decoded.decode(id, record)
	if err != nil {
		return nil, fmt.Errorf("stored reference value %q: %w", id, err)
	}
	if s.now().After(rv.expiresAt) {
		s.logger.DebugContext(ctx, "reference value expired", "id", id, "expiration", rv.Expiration)
		return nil, nil
	}
	// A copy: the decoded record is shared by every query of id.
	return bytes.Clone(rv.Value), nil
}

// List returns the names of all stored reference values, expired included.
func (s *Service) List(ctx context.Context) ([]string, error) {
	names, err := s.store.List(ctx, storage.NamespaceReferenceValue)
	if err != nil {
		return nil, fmt.Errorf("list reference values: %w", err)
	}
	return names, nil
}
