package kbs_test

import (
	"testing"

	kbsserver "github.com/cocoon-cc/cocoon/internal/trustee/kbs"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// Restarts over one store: an admin's policy survives them, the
// development flag replaces it, and a run without the flag puts the
// default back instead of keeping the development policy.
func TestDefaultResourcePolicyAcrossRestarts(t *testing.T) {
	store := storage.NewMemory()
	defer store.Close()
	start := func(opts ...trusteetest.Option) *harness {
		return newHarness(t, append(opts, trusteetest.WithStore(store))...)
	}
	if got := start().resourcePolicy(); got != kbsserver.DefaultResourcePolicy {
		t.Fatal("default policy not installed")
	}
	custom := "package policy\ndefault allow := false\n"
	start(trusteetest.WithResourcePolicy(custom)) // uploaded by the admin
	if got := start().resourcePolicy(); got != custom {
		t.Fatal("restart replaced the admin's policy")
	}
	if got := start(trusteetest.WithSampleTEE()).resourcePolicy(); got != kbsserver.AllowSampleResourcePolicy {
		t.Fatal("development policy not installed")
	}
	if got := start().resourcePolicy(); got != kbsserver.DefaultResourcePolicy {
		t.Fatal("development policy outlived its run")
	}
}
