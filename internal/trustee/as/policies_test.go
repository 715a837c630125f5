package as

import (
	"context"
	"errors"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/astest"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
	"github.com/cocoon-cc/cocoon/internal/trustee/storage"
)

func TestDefaultPoliciesInstalled(t *testing.T) {
	svc, _ := newTestService(t, DefaultConfig(), nil)
	ids, err := svc.ListPolicies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"default_cpu", "default_gpu", "default_ppcie", "default_switch"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListPolicies = %v, want %v", ids, want)
	}
	got, err := svc.GetPolicy(context.Background(), "default_gpu")
	if err != nil || got != string(mustDefault(t, "default_gpu")) {
		t.Errorf("GetPolicy(default_gpu) = %.40q, %v", got, err)
	}
}

func TestInstallDefaultPoliciesKeepsAdministratorsPolicy(t *testing.T) {
	svc, _ := newTestService(t, DefaultConfig(), nil)
	ctx := context.Background()
	const mine = "package policy\n\ntrust_claims := {\"hardware\": 2}\n"
	if err := svc.SetPolicy(ctx, "default_cpu", mine); err != nil {
		t.Fatalf("SetPolicy: %v", err)
	}
	if err := svc.InstallDefaultPolicies(ctx); err != nil {
		t.Fatalf("second InstallDefaultPolicies: %v", err)
	}
	if got, err := svc.GetPolicy(ctx, "default_cpu"); err != nil || got != mine {
		t.Errorf("default_cpu = %q, %v; want the administrator's policy kept", got, err)
	}
}

func TestSetPolicyRefusesBrokenPolicies(t *testing.T) {
	svc, _ := newTestService(t, DefaultConfig(), nil)
	ctx := context.Background()
	tests := []struct {
		name, id, module string
		want             error
	}{
		{"syntax error", "broken", "package policy\ntrust_claims := {", policy.ErrInvalidPolicy},
		{"wrong trust claim", "odd", "package policy\ntrust_claims := {\"speed\": 2}\n", policy.ErrInvalidResult},
		{"empty id", "", "package policy\n", ErrInvalidPolicyID},
		{"id with a slash", "a/b", "package policy\n", ErrInvalidPolicyID},
	}
	for _, tt := range tests {
		if err := svc.SetPolicy(ctx, tt.id, tt.module); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if tt.id != "" && tt.id != "a/b" {
			if _, err := svc.GetPolicy(ctx, tt.id); !errors.Is(err, ErrPolicyNotFound) {
				t.Errorf("%s: refused policy was stored (err = %v)", tt.name, err)
			}
		}
	}
}

func TestGetPolicyMissing(t *testing.T) {
	svc, _ := newTestService(t, DefaultConfig(), nil)
	if _, err := svc.GetPolicy(context.Background(), "nope"); !errors.Is(err, ErrPolicyNotFound) {
		t.Errorf("err = %v, want ErrPolicyNotFound", err)
	}
}

func TestListPoliciesRefusesForeignKeys(t *testing.T) {
	store := storage.NewMemory()
	svc, err := New(DefaultConfig(), Deps{Store: store, Policies: policy.NewEngine(nil), Issuer: &astest.RecordingIssuer{}, Verifiers: sampleRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Set(context.Background(), storage.NamespaceASPolicy, "notes.txt", []byte("x"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ListPolicies(context.Background()); err == nil {
		t.Error("ListPolicies accepted a key without the .rego suffix")
	}
}

func TestNewRequiresDependencies(t *testing.T) {
	full := Deps{Store: storage.NewMemory(), Policies: policy.NewEngine(nil), Issuer: &astest.RecordingIssuer{}, Verifiers: sampleRegistry(t)}
	for name, drop := range map[string]func(*Deps){
		"store":     func(d *Deps) { d.Store = nil },
		"policies":  func(d *Deps) { d.Policies = nil },
		"issuer":    func(d *Deps) { d.Issuer = nil },
		"verifiers": func(d *Deps) { d.Verifiers = nil },
	} {
		d := full
		drop(&d)
		if _, err := New(DefaultConfig(), d); err == nil {
			t.Errorf("New without %s succeeded", name)
		}
	}
}
