package tpm_test

import (
	"context"
	"crypto/sha512"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	tpmverifier "github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/tpm"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// TestConformance runs the verifier suite on evidence from a real swtpm.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	a, err := tpm.Open(ctx, tpm.Config{Device: swtpm.Start(t).Device()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer a.Close()
	digest := sha512.Sum384([]byte("runtime data"))
	evidence, err := a.Evidence(ctx, digest[:])
	if err != nil {
		t.Fatalf("Evidence: %v", err)
	}
	verifiertest.Run(t, verifiertest.Case{
		Verifier: tpmverifier.Verifier{},
		Evidence: evidence,
		Expected: verifier.Expected{ReportData: digest[:]},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}
