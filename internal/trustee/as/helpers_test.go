package as

import (
	"context"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/astest"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// sampleRVs make the default CPU policy affirm sample evidence.
var sampleRVs = map[string]string{
	"launch_digest":         `["abcde"]`,
	"svn":                   `["1"]`,
	"major_version":         `1`,
	"minimum_minor_version": `0`,
}

func sampleRegistry(t testing.TB) *verifier.Registry {
	t.Helper()
	r := verifier.NewRegistry()
	if err := r.Register(kbs.TeeSample, sample.CPU{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(kbs.TeeSampleDevice, sample.Device{}); err != nil {
		t.Fatal(err)
	}
	return r
}

// newTestService returns a Service over a memory store with the default
// policies installed, and the issuer recording its submodules.
func newTestService(t testing.TB, cfg Config, rvs map[string]string) (*Service, *astest.RecordingIssuer) {
	t.Helper()
	issuer := &astest.RecordingIssuer{}
	svc, err := New(cfg, Deps{
		Store:           storage.NewMemory(),
		Policies:        policy.NewEngine(nil),
		ReferenceValues: astest.ReferenceValues(rvs),
		Issuer:          issuer,
		Verifiers:       sampleRegistry(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.InstallDefaultPolicies(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc, issuer
}
