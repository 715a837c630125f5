package policy

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

// staticRVs serves reference values from a map, as RVPS would.
func staticRVs(values map[string]string) RVLookup {
	return func(_ context.Context, id string) (json.RawMessage, error) {
		v, ok := values[id]
		if !ok {
			return nil, nil
		}
		return json.RawMessage(v), nil
	}
}

// sampleRVs are reference values matching the sample TEE's claims.
var sampleRVs = map[string]string{
	"launch_digest":         `["abcde"]`,
	"svn":                   `["1"]`,
	"major_version":         `1`,
	"minimum_minor_version": `4`,
}

func vector(executables, hardware, configuration int) map[string]int {
	return map[string]int{
		"executables": executables, "hardware": hardware, "configuration": configuration,
		"file-system": 0, "instance-identity": 0, "runtime-opaque": 0, "storage-opaque": 0, "sourced-data": 0,
	}
}

func assertVector(t *testing.T, got *Appraisal, want map[string]int) {
	t.Helper()
	if !maps.Equal(got.TrustVector, want) {
		t.Fatalf("trust vector = %v, want %v", got.TrustVector, want)
	}
}

func TestAppraiseDefaultCPUSample(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	e := NewEngine(nil)
	ctx := context.Background()

	// No reference values: executables and hardware stay at the "not
	// recognised" defaults, configuration is 2 because debug is false.
	got, err := e.Appraise(ctx, module, sampleAppraisalInput(), nil)
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(33, 97, 2))

	got, err = e.Appraise(ctx, module, sampleAppraisalInput(), staticRVs(sampleRVs))
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(3, 2, 2))

	// One reference value off (minimum minor above the reported 4) loses
	// the hardware claim only.
	stricter := maps.Clone(sampleRVs)
	stricter["minimum_minor_version"] = `5`
	got, err = e.Appraise(ctx, module, sampleAppraisalInput(), staticRVs(stricter))
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(3, 97, 2))
}

func TestAppraiseDefaultCPUExtensions(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	input := sampleAppraisalInput()
	input["init_data_claims"] = map[string]any{
		"agent_policy_claims": map[string]any{
			"containers": []any{
				map[string]any{"OCI": map[string]any{
					"Annotations": map[string]any{"io.kubernetes.cri.image-name": "docker.io/library/busybox:latest"},
					"Process":     map[string]any{"User": map[string]any{"UID": 1000}},
				}},
			},
		},
	}
	got, err := NewEngine(nil).Appraise(context.Background(), module, input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Extensions) != 1 {
		t.Fatalf("extensions = %+v, want one", got.Extensions)
	}
	ext := got.Extensions[0]
	if ext.Name != "ear.trustee.identifiers" || ext.Key != -18 {
		t.Fatalf("extension = %q key %d", ext.Name, ext.Key)
	}
	b, err := json.Marshal(ext.Value)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"validated":{"container_images":["docker.io/library/busybox:latest"],"container_uids":[1000]}}`
	if string(b) != want {
		t.Fatalf("extension value = %s, want %s", b, want)
	}

	// Without init-data the extension is still there, with nothing validated.
	got, err = NewEngine(nil).Appraise(context.Background(), module, sampleAppraisalInput(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got.Extensions); string(b) != `[{"Name":"ear.trustee.identifiers","Key":-18,"Value":{"validated":{}}}]` {
		t.Fatalf("extensions = %s", b)
	}
}

// nvidiaClaims is NRAS-style GPU evidence passing every check of the
// default GPU policy.
func nvidiaClaims() map[string]any {
	chain := map[string]any{"x-nvidia-cert-ocsp-status": "good", "x-nvidia-cert-status": "valid"}
	c := map[string]any{
		"x-nvidia-gpu-attestation-report-cert-chain": chain,
		"x-nvidia-gpu-vbios-rim-cert-chain":          chain,
		"x-nvidia-gpu-vbios-version":                 "96.00.9f.00.01",
		"x-nvidia-gpu-driver-version":                "550.90.07",
		"secboot":                                    true,
		"dbgstat":                                    "disabled",
		"measres":                                    "success",
	}
	for _, flag := range []string{
		"x-nvidia-gpu-attestation-report-cert-chain-fwid-match", "x-nvidia-gpu-attestation-report-parsed",
		"x-nvidia-gpu-attestation-report-signature-verified", "x-nvidia-gpu-arch-check",
		"x-nvidia-gpu-driver-rim-fetched", "x-nvidia-gpu-driver-rim-measurements-available",
		"x-nvidia-gpu-driver-rim-schema-validated", "x-nvidia-gpu-driver-rim-signature-verified",
		"x-nvidia-gpu-driver-rim-version-match", "x-nvidia-gpu-vbios-rim-fetched",
		"x-nvidia-gpu-vbios-rim-measurements-available", "x-nvidia-gpu-vbios-rim-schema-validated",
		"x-nvidia-gpu-vbios-rim-signature-verified", "x-nvidia-gpu-vbios-rim-version-match",
	} {
		c[flag] = true
	}
	return c
}

func TestAppraiseDefaultGPU(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_gpu.rego"))
	e := NewEngine(nil)
	ctx := context.Background()

	got, err := e.Appraise(ctx, module, map[string]any{"nvidia": nvidiaClaims()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Secure boot and debug off without allowed versions: configuration 3.
	assertVector(t, got, vector(3, 2, 3))

	rvs := staticRVs(map[string]string{
		"allowed_vbios_versions":  `["96.00.9f.00.01"]`,
		"allowed_driver_versions": `["550.90.07"]`,
	})
	got, err = e.Appraise(ctx, module, map[string]any{"nvidia": nvidiaClaims()}, rvs)
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(3, 2, 2))

	revoked := nvidiaClaims()
	revoked["x-nvidia-gpu-attestation-report-cert-chain"] = map[string]any{"x-nvidia-cert-ocsp-status": "revoked", "x-nvidia-cert-status": "valid"}
	revoked["dbgstat"] = "enabled"
	got, err = e.Appraise(ctx, module, map[string]any{"nvidia": revoked}, rvs)
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(3, 97, 36))
}

func TestAppraiseWithoutTrustClaimsIsAllZero(t *testing.T) {
	// example-1 sets executables but has no trust_claims rule: upstream
	// then sets the whole vector to 0.
	module := string(upstream.Read(t, "trustee/policies/as-tests/example-1.rego"))
	got, err := NewEngine(nil).Appraise(context.Background(), module, map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertVector(t, got, vector(0, 0, 0))
	if got.Extensions != nil {
		t.Fatalf("extensions = %v, want none", got.Extensions)
	}
}

func TestAppraiseRejectsMalformedResults(t *testing.T) {
	cases := map[string]string{
		"empty trust claims":   `trust_claims := {}`,
		"unknown trust claim":  `trust_claims := {"hardware": 2, "firmware": 2}`,
		"above i8":             `trust_claims := {"hardware": 128}`,
		"below i8":             `trust_claims := {"hardware": -129}`,
		"not an integer":       `trust_claims := {"hardware": 2.5}`,
		"string value":         `trust_claims := {"hardware": "2"}`,
		"not an object":        `trust_claims := ["hardware"]`,
		"extensions object":    "trust_claims := {\"hardware\": 2}\nextensions := {\"name\": \"x\"}",
		"extension no value":   "trust_claims := {\"hardware\": 2}\nextensions := [{\"name\": \"x\", \"key\": 1}]",
		"extension no name":    "trust_claims := {\"hardware\": 2}\nextensions := [{\"key\": 1, \"value\": 1}]",
		"extension key string": "trust_claims := {\"hardware\": 2}\nextensions := [{\"name\": \"x\", \"key\": \"1\", \"value\": 1}]",
		"extension key > i32":  "trust_claims := {\"hardware\": 2}\nextensions := [{\"name\": \"x\", \"key\": 2147483648, \"value\": 1}]",
		"duplicate name":       "trust_claims := {\"hardware\": 2}\nextensions := [{\"name\": \"x\", \"key\": 1, \"value\": 1}, {\"name\": \"x\", \"key\": 2, \"value\": 1}]",
		"duplicate key":        "trust_claims := {\"hardware\": 2}\nextensions := [{\"name\": \"x\", \"key\": 1, \"value\": 1}, {\"name\": \"y\", \"key\": 1, \"value\": 1}]",
	}
	e := NewEngine(nil)
	for name, rules := range cases {
		t.Run(name, func(t *testing.T) {
			module := "package policy\n\n" + rules + "\n"
			_, err := e.Appraise(context.Background(), module, map[string]any{}, nil)
			if !errors.Is(err, ErrInvalidResult) {
				t.Fatalf("Appraise = %v, want ErrInvalidResult", err)
			}
			if err := e.Check(context.Background(), module, KindAppraisal); !errors.Is(err, ErrInvalidResult) {
				t.Fatalf("Check = %v, want ErrInvalidResult", err)
			}
		})
	}
}

func TestAppraiseBoundaryValues(t *testing.T) {
	module := "package policy\n\ntrust_claims := {\"hardware\": -128, \"executables\": 127}\n" +
		"extensions := [{\"name\": \"n\", \"key\": -2147483648, \"value\": null}]\n"
	got, err := NewEngine(nil).Appraise(context.Background(), module, map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got.TrustVector, map[string]int{"hardware": -128, "executables": 127}) {
		t.Fatalf("trust vector = %v", got.TrustVector)
	}
	if len(got.Extensions) != 1 || got.Extensions[0].Key != -2147483648 || got.Extensions[0].Value != nil {
		t.Fatalf("extensions = %+v", got.Extensions)
	}
}

func TestQueryReferenceValueErrorFailsEvaluation(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	rvpsDown := errors.New("rvps unreachable")
	failing := func(context.Context, string) (json.RawMessage, error) { return nil, rvpsDown }
	_, err := NewEngine(nil).Appraise(context.Background(), module, sampleAppraisalInput(), failing)
	if !errors.Is(err, rvpsDown) {
		t.Fatalf("Appraise = %v, want the lookup error", err)
	}
	if !strings.Contains(err.Error(), "query_reference_value") {
		t.Fatalf("error %q does not name the builtin", err)
	}

	garbage := staticRVs(map[string]string{"launch_digest": `{not json`})
	_, err = NewEngine(nil).Appraise(context.Background(), module, sampleAppraisalInput(), garbage)
	if err == nil || !strings.Contains(err.Error(), `reference value "launch_digest": stored value is not valid JSON`) {
		t.Fatalf("Appraise with a stored value that is not JSON = %v", err)
	}
}

func TestQueryReferenceValueCalledOncePerIDPerEvaluation(t *testing.T) {
	module := "package policy\n\nimport rego.v1\n\n" +
		"a if query_reference_value(\"x\") == 1\nb if query_reference_value(\"x\") == 1\n" +
		"trust_claims := {\"hardware\": 2} if { a; b }\n"
	var mu sync.Mutex
	calls := map[string]int{}
	rv := func(_ context.Context, id string) (json.RawMessage, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[id]++
		return json.RawMessage(`1`), nil
	}
	e := NewEngine(nil)
	for range 2 {
		got, err := e.Appraise(context.Background(), module, map[string]any{}, rv)
		if err != nil {
			t.Fatal(err)
		}
		assertVector(t, got, map[string]int{"hardware": 2})
	}
	if calls["x"] != 2 {
		t.Fatalf("lookups of x = %d over 2 evaluations, want 2", calls["x"])
	}
}

func TestAppraiseConcurrent(t *testing.T) {
	module := string(upstream.Read(t, "trustee/policies/as/ear_default_policy_cpu.rego"))
	e := NewEngine(nil)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			// Half the callers have reference values, half do not: each
			// evaluation must see its own lookup.
			var rv RVLookup
			want := vector(33, 97, 2)
			if i%2 == 0 {
				rv, want = staticRVs(sampleRVs), vector(3, 2, 2)
			}
			for range 20 {
				got, err := e.Appraise(context.Background(), module, sampleAppraisalInput(), rv)
				if err != nil {
					errs <- err
					return
				}
				if !maps.Equal(got.TrustVector, want) {
					errs <- errors.New("trust vector from another evaluation's reference values")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestAppraiseTakesAnExtensionSetAsAnArray(t *testing.T) {
	// Upstream's regorus serialises a set as an array; so does OPA's JSON.
	module := "package policy\n\ntrust_claims := {\"hardware\": 2}\n" +
		"extensions := {{\"name\": \"b\", \"key\": 2, \"value\": {\"x\": [1]}}, {\"name\": \"a\", \"key\": 1, \"value\": \"v\"}}\n"
	got, err := NewEngine(nil).Appraise(context.Background(), module, map[string]any{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Extension{
		{Name: "a", Key: 1, Value: "v"},
		{Name: "b", Key: 2, Value: map[string]any{"x": []any{json.Number("1")}}},
	}
	if !reflect.DeepEqual(got.Extensions, want) {
		t.Fatalf("extensions = %#v, want %#v", got.Extensions, want)
	}
}
