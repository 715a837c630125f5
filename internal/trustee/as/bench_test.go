package as

import (
	"context"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/astest"
	"log/slog"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/token"
)

// BenchmarkEvaluateSample is one RCAR's worth of AS work with sample
// evidence: verify, appraise with the default CPU policy and reference
// values, and sign an EAR token with the real issuer.
func BenchmarkEvaluateSample(b *testing.B) {
	issuer, err := token.NewIssuer(token.IssuerConfig{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(DefaultConfig(), Deps{
		Store:           storage.NewMemory(),
		Policies:        policy.NewEngine(slog.New(slog.DiscardHandler)),
		ReferenceValues: astest.ReferenceValues(sampleRVs),
		Issuer:          issuer,
		Verifiers:       sampleRegistry(b),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.InstallDefaultPolicies(ctx); err != nil {
		b.Fatal(err)
	}
	reqs := []VerificationRequest{guest{}.primary(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Evaluate(ctx, reqs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
