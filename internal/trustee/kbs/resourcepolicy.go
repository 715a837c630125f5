package kbs

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

// The resource policy lives in namespace kbs under "<id>.rego", as upstream.
const (
	ResourcePolicyID  = "resource-policy"
	policyKeySuffix   = ".rego"
	resourcePolicyKey = ResourcePolicyID + policyKeySuffix
)

// DefaultResourcePolicy releases resources when every submodule of the
// token is affirming and the CPU evidence is not the sample TEE's, which
// proves nothing. Upstream's default refuses only sample.
//
//go:embed policies/default.rego
var DefaultResourcePolicy string

// AllowSampleResourcePolicy also releases resources to the sample TEE: for
// development only.
//
//go:embed policies/allow_sample.rego
var AllowSampleResourcePolicy string

// InstallDefaultResourcePolicy stores the default resource policy unless a
// policy is already stored (overwrite=false, as upstream). With allowSample
// the development policy is stored instead and replaces whatever was there.
// Without it, a development policy left by an earlier run is replaced by
// the default, so the flag cannot outlive the run that used it.
func (s *Server) InstallDefaultResourcePolicy(ctx context.Context, allowSample bool) error {
	module, overwrite := DefaultResourcePolicy, false
	if allowSample {
		module, overwrite = AllowSampleResourcePolicy, true
		s.logger.WarnContext(ctx, "DEVELOPMENT resource policy installed: resources are released to the sample TEE, which proves nothing; never use this in production")
	} else if stored, err := s.resourcePolicy(ctx); err == nil && stored == AllowSampleResourcePolicy {
		overwrite = true
		s.logger.InfoContext(ctx, "development resource policy of an earlier run replaced by the default")
	}
	if err := s.policy.Check(ctx, module, policy.KindResource); err != nil {
		return fmt.Errorf("built-in resource policy: %w", err)
	}
	err := s.store.Set(ctx, storage.NamespaceKBS, resourcePolicyKey, []byte(module), overwrite)
	if err != nil && !errors.Is(err, storage.ErrExists) {
		return fmt.Errorf("install resource policy: %w", err)
	}
	return nil
}

// resourcePolicy returns the stored resource policy text.
func (s *Server) resourcePolicy(ctx context.Context) (string, error) {
	text, err := s.texts.Get(ctx, s.store, storage.NamespaceKBS, resourcePolicyKey)
	if err != nil {
		return "", fmt.Errorf("load resource policy: %w", err)
	}
	return text, nil
}

// setResourcePolicy checks module and stores it.
func (s *Server) setResourcePolicy(ctx context.Context, module string) error {
	if err := s.policy.Check(ctx, module, policy.KindResource); err != nil {
		return err
	}
	if err := s.store.Set(ctx, storage.NamespaceKBS, resourcePolicyKey, []byte(module), true); err != nil {
		return fmt.Errorf("store resource policy: %w", err)
	}
	s.logger.InfoContext(ctx, "resource policy updated", slog.String(logKeyRequestID, requestID(ctx)))
	return nil
}

// resourcePolicyIDs lists the stored policy ids.
func (s *Server) resourcePolicyIDs(ctx context.Context) ([]string, error) {
	keys, err := s.store.List(ctx, storage.NamespaceKBS)
	if err != nil {
		return nil, fmt.Errorf("list resource policies: %w", err)
	}
	ids := []string{}
	for _, k := range keys {
		if id, ok := strings.CutSuffix(k, policyKeySuffix); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
