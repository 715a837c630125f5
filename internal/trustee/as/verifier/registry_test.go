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

func TestRegistryWithheldReason(t *testing.T) {
	r := verifier.NewRegistry()
	if err := r.Withhold(kbs.TeeTdx, "set root_ca_path"); err != nil {
		t.Fatal(err)
	}
	_, err := r.Lookup(kbs.TeeTdx)
	if !errors.Is(err, verifier.ErrNoVerifier) || !strings.Contains(err.Error(), `"tdx": set root_ca_path`) {
		t.Errorf("Lookup(tdx) err = %v, want ErrNoVerifier with the reason", err)
	}
	if err := r.Register(kbs.TeeTdx, sample.CPU{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup(kbs.TeeTdx); err != nil {
		t.Errorf("Lookup after Register: %v", err)
	}
	if err := r.Withhold(kbs.TeeTdx, "too late"); err == nil {
		t.Error("Withhold of a registered TEE succeeded")
	}
}
