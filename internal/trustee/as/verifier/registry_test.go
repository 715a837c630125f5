package verifier_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/sample"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func TestRegistryLookup(t *testing.T) {
	r := verifier.NewRegistry()
	if err := r.Register(kbs.TeeSample, sample.CPU{}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	v, err := r.Lookup(kbs.TeeSample)
	if err != nil || v != (sample.CPU{}) {
		t.Fatalf("Lookup(sample) = %v, %v", v, err)
	}
	_, err = r.Lookup(kbs.TeeSnp)
	if !errors.Is(err, verifier.ErrNoVerifier) || !strings.Contains(err.Error(), `"snp"`) {
		t.Errorf("Lookup(snp) err = %v, want ErrNoVerifier naming snp", err)
	}
}

func TestRegistryRefuses(t *testing.T) {
	r := verifier.NewRegistry()
	if err := r.Register(kbs.TeeSample, sample.CPU{}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := r.Register(kbs.TeeSample, sample.Device{}); !errors.Is(err, verifier.ErrDuplicate) {
		t.Errorf("second Register(sample) err = %v, want ErrDuplicate", err)
	}
	if err := r.Register("quantum", sample.CPU{}); err == nil {
		t.Error("Register of an unknown TEE name succeeded")
	}
	if err := r.Register(kbs.TeeTdx, nil); err == nil {
		t.Error("Register of a nil verifier succeeded")
	}
}
