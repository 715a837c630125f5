package kbs

import (
	"context"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

func TestInstallDefaultResourcePolicy(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, harnessOptions{})
	stored := func() string {
		t.Helper()
		module, err := h.server.resourcePolicy(ctx)
		must(t, err)
		return module
	}
	if stored() != DefaultResourcePolicy {
		t.Fatal("default policy not installed")
	}
	// An admin's policy survives a restart.
	custom := "package policy\ndefault allow := false\n"
	must(t, h.store.Set(ctx, storage.NamespaceKBS, resourcePolicyKey, []byte(custom), true))
	must(t, h.server.InstallDefaultResourcePolicy(ctx, false))
	if stored() != custom {
		t.Fatal("restart replaced the admin's policy")
	}
	// The development flag replaces it, and a run without the flag puts
	// the default back instead of keeping the development policy.
	must(t, h.server.InstallDefaultResourcePolicy(ctx, true))
	if stored() != AllowSampleResourcePolicy {
		t.Fatal("development policy not installed")
	}
	must(t, h.server.InstallDefaultResourcePolicy(ctx, false))
	if stored() != DefaultResourcePolicy {
		t.Fatal("development policy outlived its run")
	}
}
