package as

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// DefaultPolicyID is the policy evaluated when a request names none.
const DefaultPolicyID = "default"

// policySuffix ends every policy's storage key, as upstream stores them.
const policySuffix = ".rego"

//go:embed policies/*.rego
var defaultPolicies embed.FS

// defaultPolicyFiles maps the ids InstallDefaultPolicies installs to their
// embedded files: one per verifier class.
var defaultPolicyFiles = map[string]string{
	"default_cpu":    "policies/default_cpu.rego",
	"default_gpu":    "policies/default_gpu.rego",
	"default_switch": "policies/default_switch.rego",
	"default_ppcie":  "policies/default_ppcie.rego",
}

// SetPolicy checks that module is a usable appraisal policy and stores it
// under id, replacing any policy of that id.
func (s *Service) SetPolicy(ctx context.Context, id, module string) error {
	if err := validatePolicyID(id); err != nil {
		return err
	}
	if err := s.policies.Check(ctx, module, policy.KindAppraisal); err != nil {
		return fmt.Errorf("as: set policy %q: %w", id, err)
	}
	if err := s.store.Set(ctx, storage.NamespaceASPolicy, id+policySuffix, []byte(module), true); err != nil {
		return fmt.Errorf("as: set policy %q: %w", id, err)
	}
	return nil
}

// GetPolicy returns the text of policy id, or an error wrapping
// ErrPolicyNotFound.
func (s *Service) GetPolicy(ctx context.Context, id string) (string, error) {
	if err := validatePolicyID(id); err != nil {
		return "", err
	}
	text, err := s.texts.Get(ctx, s.store, storage.NamespaceASPolicy, id+policySuffix)
	if errors.Is(err, storage.ErrNotFound) {
		return "", fmt.Errorf("%w: %q", ErrPolicyNotFound, id)
	}
	if err != nil {
		return "", fmt.Errorf("as: get policy %q: %w", id, err)
	}
	return text, nil
}

// ListPolicies returns the ids of the stored policies in ascending order.
// Like upstream, it fails if the namespace holds a key that is not a policy.
func (s *Service) ListPolicies(ctx context.Context) ([]string, error) {
	keys, err := s.store.List(ctx, storage.NamespaceASPolicy)
	if err != nil {
		return nil, fmt.Errorf("as: list policies: %w", err)
	}
	ids := make([]string, 0, len(keys))
	for _, key := range keys {
		id, ok := strings.CutSuffix(key, policySuffix)
		if !ok {
			return nil, fmt.Errorf("as: list policies: stored key %q lacks the %q suffix", key, policySuffix)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// InstallDefaultPolicies stores the embedded default policies, leaving any
// policy an administrator already stored under those ids alone. Each is
// checked first, so a broken build fails at start-up.
func (s *Service) InstallDefaultPolicies(ctx context.Context) error {
	for id, file := range defaultPolicyFiles {
		module, err := defaultPolicies.ReadFile(file)
		if err != nil {
			return fmt.Errorf("as: default policy %q: %w", id, err)
		}
		if err := s.policies.Check(ctx, string(module), policy.KindAppraisal); err != nil {
			return fmt.Errorf("as: default policy %q: %w", id, err)
		}
		err = s.store.Set(ctx, storage.NamespaceASPolicy, id+policySuffix, module, false)
		if err != nil && !errors.Is(err, storage.ErrExists) {
			return fmt.Errorf("as: install default policy %q: %w", id, err)
		}
	}
	return nil
}

// validatePolicyID keeps an id to one storage key segment.
func validatePolicyID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty", ErrInvalidPolicyID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && c != '-' && c != '.' {
			return fmt.Errorf("%w %q: byte %#02x at offset %d", ErrInvalidPolicyID, id, c, i)
		}
	}
	return nil
}
