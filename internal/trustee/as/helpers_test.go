package as

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// recordingIssuer keeps the submodules it was asked to sign, so tests can
// look at them without decoding a JWS.
type recordingIssuer struct {
	mu      sync.Mutex
	submods map[string]token.Submodule
}

func (r *recordingIssuer) Issue(_ context.Context, submods map[string]token.Submodule) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submods = submods
	return "recorded", nil
}

func (r *recordingIssuer) last() map[string]token.Submodule {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.submods
}

// referenceValues serves query_reference_value from a map of JSON texts.
func referenceValues(values map[string]string) policy.RVLookup {
	return func(_ context.Context, id string) (json.RawMessage, error) {
		v, ok := values[id]
		if !ok {
			return nil, nil
		}
		return json.RawMessage(v), nil
	}
}

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
func newTestService(t testing.TB, cfg Config, rvs map[string]string) (*Service, *recordingIssuer) {
	t.Helper()
	issuer := &recordingIssuer{}
	svc, err := New(cfg, Deps{
		Store:           storage.NewMemory(),
		Policies:        policy.NewEngine(nil),
		ReferenceValues: referenceValues(rvs),
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
