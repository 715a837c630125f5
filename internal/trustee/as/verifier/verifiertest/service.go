package verifiertest

import (
	"github.com/cocoon-cc/cocoon/internal/trustee/as/astest"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/as"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Service is an Attestation Service with the default policies installed,
// its policy engine and the issuer recording what it would sign.
type Service struct {
	*as.Service
	Engine          *policy.Engine
	Issuer          *astest.RecordingIssuer
	ReferenceValues policy.RVLookup
}

// NewService wires an in-memory Attestation Service to verifiers and the
// reference values rvs, and installs its default policies.
func NewService(t testing.TB, verifiers map[kbs.Tee]verifier.Verifier, rvs map[string]string) *Service {
	t.Helper()
	registry := verifier.NewRegistry()
	for tee, v := range verifiers {
		if err := registry.Register(tee, v); err != nil {
			t.Fatal(err)
		}
	}
	s := &Service{Engine: policy.NewEngine(nil), Issuer: &astest.RecordingIssuer{}, ReferenceValues: astest.ReferenceValues(rvs)}
	svc, err := as.New(as.DefaultConfig(), as.Deps{
		Store: storage.NewMemory(), Policies: s.Engine, ReferenceValues: s.ReferenceValues, Issuer: s.Issuer, Verifiers: registry,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.InstallDefaultPolicies(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Service = svc
	return s
}

// CheckAppraisal checks that our default policy gave submod the trust
// vector want and the status, and that upstreamPolicy (the text of
// upstream's default policy) gives the same vector for the same input.
func (s *Service) CheckAppraisal(t testing.TB, submod token.Submodule, want map[string]int, status, upstreamPolicy string) {
	t.Helper()
	if !reflect.DeepEqual(submod.TrustVector, want) {
		t.Errorf("our default policy: %v, want %v", submod.TrustVector, want)
	}
	if got := token.Status(submod.TrustVector); got != status {
		t.Errorf("status %q, want %q", got, status)
	}
	theirs, err := s.Engine.Appraise(t.Context(), upstreamPolicy, submod.AnnotatedEvidence, s.ReferenceValues)
	if err != nil {
		t.Fatalf("upstream policy: %v", err)
	}
	if !reflect.DeepEqual(theirs.TrustVector, submod.TrustVector) {
		t.Errorf("upstream's policy gives %v, ours %v", theirs.TrustVector, submod.TrustVector)
	}
}
