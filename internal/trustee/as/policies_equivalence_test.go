package as

import (
	"context"
	"encoding/json"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/astest"
	"reflect"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/internal/trustee/policy"
)

// vector is the part of a trust vector the default policies set.
type vector struct{ executables, hardware, configuration int }

func (v vector) full() map[string]int {
	return map[string]int{
		"executables": v.executables, "hardware": v.hardware, "configuration": v.configuration,
		"file-system": 0, "instance-identity": 0, "runtime-opaque": 0, "storage-opaque": 0, "sourced-data": 0,
	}
}

type equivalenceCase struct {
	name  string
	input string            // policy input as JSON
	rvs   map[string]string // reference values as JSON
	want  vector
}

// TestDefaultPoliciesMatchUpstream evaluates our embedded default policies
// and upstream's (read in place) on the same inputs and reference values:
// the appraisals, extensions included, must be identical, and equal to the
// vector each case expects, so every rule is exercised.
//
// SNP, TDX, Azure vTPM, TPM, SE and NVIDIA inputs are shaped after the
// claims in trustee.md §3.2-3.3, not produced by their verifiers (which do
// not exist here yet); the rules are kept regardless.
func TestDefaultPoliciesMatchUpstream(t *testing.T) {
	for _, class := range []struct {
		ours, upstream string
		cases          []equivalenceCase
	}{
		{"default_cpu", "ear_default_policy_cpu.rego", cpuCases},
		{"default_gpu", "ear_default_policy_gpu.rego", gpuCases},
		{"default_switch", "ear_default_policy_switch.rego", switchCases},
		{"default_ppcie", "ear_default_policy_ppcie.rego", ppcieCases},
	} {
		ours, err := defaultPolicies.ReadFile(defaultPolicyFiles[class.ours])
		if err != nil {
			t.Fatal(err)
		}
		theirs := string(upstream.Read(t, "trustee/policies/as/"+class.upstream))
		engine := policy.NewEngine(nil)
		for _, c := range class.cases {
			t.Run(class.ours+"/"+c.name, func(t *testing.T) {
				input := decodeInput(t, c.input)
				got, err := engine.Appraise(context.Background(), string(ours), input, astest.ReferenceValues(c.rvs))
				if err != nil {
					t.Fatalf("ours: %v", err)
				}
				want, err := engine.Appraise(context.Background(), theirs, input, astest.ReferenceValues(c.rvs))
				if err != nil {
					t.Fatalf("upstream: %v", err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("appraisals differ\n ours     %+v\n upstream %+v", got, want)
				}
				if !reflect.DeepEqual(want.TrustVector, c.want.full()) {
					t.Errorf("upstream trust vector %v, case expects %v", want.TrustVector, c.want.full())
				}
			})
		}
	}
}

func decodeInput(t *testing.T, s string) map[string]any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("case input: %v", err)
	}
	return v.(map[string]any)
}

const (
	sampleInput      = `{"sample":{"svn":"1","launch_digest":"abcde","platform_version":{"major":1,"minor":4},"debug":false},"report_data":"cmQ=","runtime_data_claims":{"nonce":"n"}}`
	sampleDebugInput = `{"sample":{"svn":"1","launch_digest":"abcde","platform_version":{"major":1,"minor":4},"debug":true}}`
	// Two containers as Kata's genpolicy writes them: the pause container
	// has no image name.
	sampleWorkloadInput = `{"sample":{"svn":"1","launch_digest":"abcde","platform_version":{"major":1,"minor":4},"debug":false},
		"init_data":"aWQ=","init_data_claims":{"agent_policy_claims":{"containers":[
			{"OCI":{"Annotations":{"io.kubernetes.cri.container-type":"sandbox"},"Process":{"User":{"UID":65535}}}},
			{"OCI":{"Annotations":{"io.kubernetes.cri.image-name":"bitnami/nginx:latest"},"Process":{"User":{"UID":1001}}}}]}}}`
	sampleInitDataWithoutPolicyInput = `{"sample":{"svn":"1","launch_digest":"abcde","platform_version":{"major":1,"minor":4},"debug":false},
		"init_data":"aWQ=","init_data_claims":{"cdh.toml":{"socket":"x"}}}`

	snpInput = `{"snp":{"measurement":"m1","reported_tcb_bootloader":3,"reported_tcb_microcode":209,"reported_tcb_snp":20,"reported_tcb_tee":0,
		"policy_debug_allowed":false,"policy_migrate_ma":false,"platform_smt_enabled":true,"platform_tsme_enabled":false,
		"policy_abi_major":0,"policy_abi_minor":31,"policy_single_socket":false,"policy_smt_allowed":true}}`
	snpDebugInput = `{"snp":{"measurement":"m1","reported_tcb_bootloader":3,"reported_tcb_microcode":209,"reported_tcb_snp":20,"reported_tcb_tee":0,
		"policy_debug_allowed":true,"policy_migrate_ma":false,"platform_smt_enabled":true,"platform_tsme_enabled":false,
		"policy_abi_major":0,"policy_abi_minor":31,"policy_single_socket":false,"policy_smt_allowed":true}}`

	tdxInput = `{"tdx":{"quote":{"header":{"tee_type":"81000000","vendor_id":"939a7233f79c4ca9940a0db3957f0607"},
		"body":{"mr_td":"td","rtmr_1":"r1","rtmr_2":"r2","xfam":"e702060000000000"}},
		"td_attributes":{"debug":false},"tcb_status":"UpToDate","collateral_expiration_status":"0",
		"uefi_event_logs":[
			{"type_name":"EV_EFI_BOOT_SERVICES_APPLICATION","details":{"device_paths":["PciRoot(0x0)","File(kernel)"]},"digests":[{"alg":"SHA-384","digest":"k"}]},
			{"type_name":"EV_EVENT_TAG","details":{"string":"LOADED_IMAGE::LoadOptions"},"digests":[{"alg":"SHA-384","digest":"p"}]}]}}`
	tdxOutOfDateDebugInput = `{"tdx":{"quote":{"header":{"tee_type":"81000000","vendor_id":"939a7233f79c4ca9940a0db3957f0607"},
		"body":{"mr_td":"td","rtmr_1":"r1","rtmr_2":"r2","xfam":"e702060000000000"}},
		"td_attributes":{"debug":true},"tcb_status":"OutOfDate","collateral_expiration_status":"0"}}`

	azSnpInput = `{"az-snp-vtpm":{"measurement":"m","tpm":{"pcr11":"p11"},"reported_tcb_bootloader":"3","reported_tcb_microcode":"209",
		"reported_tcb_snp":"20","reported_tcb_tee":"0","platform_smt_enabled":"1","platform_tsme_enabled":"0",
		"policy_abi_major":"0","policy_abi_minor":"31","policy_single_socket":"0","policy_smt_allowed":"1"}}`
	azTdxInput = `{"az-tdx-vtpm":{"tpm":{"pcr11":"p11"},"quote":{"header":{"tee_type":"81000000","vendor_id":"939a7233f79c4ca9940a0db3957f0607"},
		"body":{"mr_td":"td","xfam":"x"}},"tcb_status":"UpToDate"}}`

	tpmInput = `{"tpm":{"pcr11":"p11","ak_public":"ak"},"report_data":"72"}`
	seInput  = `{"se":{"version":"256","cuid":"c","report_data":"r"}}`

	nvidiaGPUInput = `{"nvidia":{"secboot":true,"dbgstat":"disabled","measres":"success",
		"x-nvidia-gpu-attestation-report-cert-chain":{"x-nvidia-cert-ocsp-status":"good","x-nvidia-cert-status":"valid"},
		"x-nvidia-gpu-attestation-report-cert-chain-fwid-match":true,"x-nvidia-gpu-attestation-report-parsed":true,
		"x-nvidia-gpu-attestation-report-signature-verified":true,"x-nvidia-gpu-arch-check":true,
		"x-nvidia-gpu-vbios-version":"96.00.9F.00.04","x-nvidia-gpu-driver-version":"550.90.07",
		"x-nvidia-gpu-vbios-rim-cert-chain":{"x-nvidia-cert-ocsp-status":"good","x-nvidia-cert-status":"valid"},
		"x-nvidia-gpu-driver-rim-fetched":true,"x-nvidia-gpu-driver-rim-measurements-available":true,
		"x-nvidia-gpu-driver-rim-schema-validated":true,"x-nvidia-gpu-driver-rim-signature-verified":true,
		"x-nvidia-gpu-driver-rim-version-match":true,"x-nvidia-gpu-vbios-rim-fetched":true,
		"x-nvidia-gpu-vbios-rim-measurements-available":true,"x-nvidia-gpu-vbios-rim-schema-validated":true,
		"x-nvidia-gpu-vbios-rim-signature-verified":true,"x-nvidia-gpu-vbios-rim-version-match":true}}`
	nvidiaGPURevokedInput = `{"nvidia":{"secboot":true,"dbgstat":"enabled","measres":"success",
		"x-nvidia-gpu-attestation-report-cert-chain":{"x-nvidia-cert-ocsp-status":"revoked","x-nvidia-cert-status":"valid"},
		"x-nvidia-gpu-attestation-report-cert-chain-fwid-match":true,"x-nvidia-gpu-attestation-report-parsed":true,
		"x-nvidia-gpu-attestation-report-signature-verified":true,"x-nvidia-gpu-arch-check":true,
		"x-nvidia-gpu-vbios-rim-cert-chain":{"x-nvidia-cert-ocsp-status":"good","x-nvidia-cert-status":"valid"},
		"x-nvidia-gpu-driver-rim-fetched":true,"x-nvidia-gpu-driver-rim-measurements-available":true,
		"x-nvidia-gpu-driver-rim-schema-validated":true,"x-nvidia-gpu-driver-rim-signature-verified":false,
		"x-nvidia-gpu-driver-rim-version-match":true,"x-nvidia-gpu-vbios-rim-fetched":true,
		"x-nvidia-gpu-vbios-rim-measurements-available":true,"x-nvidia-gpu-vbios-rim-schema-validated":true,
		"x-nvidia-gpu-vbios-rim-signature-verified":true,"x-nvidia-gpu-vbios-rim-version-match":true}}`
	nvidiaSwitchInput = `{"nvidia":{"secboot":true,"dbgstat":"disabled","measres":"success",
		"x-nvidia-switch-attestation-report-cert-chain":{"x-nvidia-cert-ocsp-status":"good","x-nvidia-cert-status":"valid"},
		"x-nvidia-switch-attestation-report-cert-chain-fwid-match":true,"x-nvidia-switch-attestation-report-parsed":true,
		"x-nvidia-switch-attestation-report-signature-verified":true,"x-nvidia-switch-arch-check":true,
		"x-nvidia-switch-bios-version":"96.10.6D.00.01",
		"x-nvidia-switch-bios-rim-cert-chain":{"x-nvidia-cert-ocsp-status":"good","x-nvidia-cert-status":"valid"},
		"x-nvidia-switch-bios-rim-fetched":true,"x-nvidia-switch-bios-rim-measurements-available":true,
		"x-nvidia-switch-bios-rim-schema-validated":true,"x-nvidia-switch-bios-rim-signature-verified":true,
		"x-nvidia-switch-bios-rim-version-match":true}}`
	sampleDeviceInput = `{"sampledevice":{"svn":"2"},"report_data":"cmQ=","runtime_data_claims":{"nonce":"n"}}`
)

var (
	snpRVs = map[string]string{
		"snp_launch_measurement": `["m1"]`, "snp_bootloader": `[3]`, "snp_microcode": `[209]`, "snp_snp_svn": `[20]`,
		"snp_tee_svn": `[0]`, "snp_smt_enabled": `true`, "snp_tsme_enabled": `false`, "snp_guest_abi_major": `0`,
		"snp_guest_abi_minor": `31`, "snp_single_socket": `false`, "snp_smt_allowed": `true`,
	}
	tdxRVs = map[string]string{
		"rtmr_1": `["r1"]`, "rtmr_2": `["r2"]`, "tdvfkernel": `"k"`, "tdvfkernelparams": `"p"`,
		"mr_td": `["td"]`, "xfam": `["e702060000000000"]`,
	}
	azSnpRVs = map[string]string{
		"measurement": `["m"]`, "snp_pcr11": `["p11"]`, "tcb_bootloader": `["3"]`, "tcb_microcode": `["209"]`,
		"tcb_snp": `["20"]`, "tcb_tee": `["0"]`, "smt_enabled": `["1"]`, "tsme_enabled": `["0"]`,
		"abi_major": `["0"]`, "abi_minor": `["31"]`, "single_socket": `["0"]`, "smt_allowed": `["1"]`,
	}
	azTdxRVs  = map[string]string{"tdx_pcr11": `["p11"]`, "mr_td": `["td"]`, "xfam": `["x"]`}
	tpmRVs    = map[string]string{"tpm_pcr11": `["p11"]`, "trusted_aks": `["ak"]`}
	nvidiaRVs = map[string]string{
		"allowed_vbios_versions": `["96.00.9F.00.04"]`, "allowed_driver_versions": `["550.90.07"]`,
		"allowed_switch_bios_versions": `["96.10.6D.00.01"]`,
	}
)

// with returns rvs with some values replaced or removed ("" removes).
func with(rvs map[string]string, changes map[string]string) map[string]string {
	out := make(map[string]string, len(rvs))
	for k, v := range rvs {
		out[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

var cpuCases = []equivalenceCase{
	{"sample without reference values", sampleInput, nil, vector{33, 97, 2}},
	{"sample with reference values", sampleInput, sampleRVs, vector{3, 2, 2}},
	{"sample with another svn", sampleInput, with(sampleRVs, map[string]string{"svn": `["2"]`}), vector{3, 97, 2}},
	{"sample below minimum minor version", sampleInput, with(sampleRVs, map[string]string{"minimum_minor_version": `5`}), vector{3, 97, 2}},
	{"sample with scalar svn reference value", sampleInput, with(sampleRVs, map[string]string{"svn": `"1"`}), vector{3, 97, 2}},
	{"sample in debug", sampleDebugInput, sampleRVs, vector{3, 2, 36}},
	{"sample with workload identifiers", sampleWorkloadInput, sampleRVs, vector{3, 2, 2}},
	{"sample with init-data but no agent policy", sampleInitDataWithoutPolicyInput, nil, vector{33, 97, 2}},
	{"snp without reference values", snpInput, nil, vector{33, 97, 3}},
	{"snp with reference values", snpInput, snpRVs, vector{3, 2, 2}},
	{"snp with other microcode and abi", snpInput, with(snpRVs, map[string]string{"snp_microcode": `[210]`, "snp_guest_abi_minor": `30`}), vector{3, 97, 3}},
	{"snp debug allowed", snpDebugInput, snpRVs, vector{3, 2, 36}},
	{"tdx without reference values", tdxInput, nil, vector{33, 97, 36}},
	{"tdx with reference values", tdxInput, tdxRVs, vector{3, 2, 2}},
	{"tdx booted by grub", tdxInput, with(tdxRVs, map[string]string{"tdvfkernel": ""}), vector{4, 2, 2}},
	{"tdx out of date in debug", tdxOutOfDateDebugInput, tdxRVs, vector{4, 97, 36}},
	{"az-snp-vtpm without reference values", azSnpInput, nil, vector{33, 97, 36}},
	{"az-snp-vtpm with reference values", azSnpInput, azSnpRVs, vector{3, 2, 2}},
	{"az-tdx-vtpm with reference values", azTdxInput, azTdxRVs, vector{3, 2, 2}},
	{"az-tdx-vtpm with another pcr11", azTdxInput, with(azTdxRVs, map[string]string{"tdx_pcr11": `["other"]`}), vector{33, 2, 2}},
	{"tpm without reference values", tpmInput, nil, vector{33, 2, 0}},
	{"tpm with reference values", tpmInput, tpmRVs, vector{3, 2, 0}},
	{"tpm with an untrusted ak", tpmInput, with(tpmRVs, map[string]string{"trusted_aks": `["other"]`}), vector{33, 2, 0}},
	{"se", seInput, nil, vector{3, 2, 2}},
	{"unknown platform", `{"cca":{"cca.realm.cca_realm_challenge":"x"}}`, nil, vector{33, 97, 36}},
	{"empty input", `{}`, nil, vector{33, 97, 36}},
}

var gpuCases = []equivalenceCase{
	{"nvidia with reference values", nvidiaGPUInput, nvidiaRVs, vector{3, 2, 2}},
	{"nvidia without reference values", nvidiaGPUInput, nil, vector{3, 2, 3}},
	{"nvidia revoked, debug, unsigned rim", nvidiaGPURevokedInput, nvidiaRVs, vector{33, 97, 36}},
	{"sample device", sampleDeviceInput, map[string]string{"device_svn": `["2"]`}, vector{33, 97, 36}},
	{"cpu claims", sampleInput, sampleRVs, vector{33, 97, 36}},
}

var switchCases = []equivalenceCase{
	{"nvidia switch with reference values", nvidiaSwitchInput, nvidiaRVs, vector{3, 2, 2}},
	{"nvidia switch without reference values", nvidiaSwitchInput, nil, vector{3, 2, 3}},
	{"gpu claims", nvidiaGPUInput, nvidiaRVs, vector{33, 97, 3}},
	{"sample device", sampleDeviceInput, nil, vector{33, 97, 36}},
}

var ppcieCases = []equivalenceCase{
	{"ppcie topology", `{"nvidia":{"x-nvidia-ppcie":true}}`, nil, vector{0, 0, 2}},
	{"empty input", `{}`, nil, vector{0, 0, 2}},
}

// TestDefaultCPUPolicyIdentifiers checks the ear.trustee.identifiers
// extension beyond equality with upstream: the images and uids listed.
func TestDefaultCPUPolicyIdentifiers(t *testing.T) {
	module, err := defaultPolicies.ReadFile(defaultPolicyFiles["default_cpu"])
	if err != nil {
		t.Fatal(err)
	}
	engine := policy.NewEngine(nil)
	for _, c := range []struct{ name, input, want string }{
		{"workload", sampleWorkloadInput, `{"validated":{"container_images":["bitnami/nginx:latest"],"container_uids":[65535,1001]}}`},
		{"no init-data", sampleInput, `{"validated":{}}`},
	} {
		a, err := engine.Appraise(context.Background(), string(module), decodeInput(t, c.input), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(a.Extensions) != 1 || a.Extensions[0].Name != "ear.trustee.identifiers" || a.Extensions[0].Key != -18 {
			t.Fatalf("%s: extensions = %+v", c.name, a.Extensions)
		}
		got, _ := json.Marshal(a.Extensions[0].Value)
		if string(got) != c.want {
			t.Errorf("%s: identifiers = %s, want %s", c.name, got, c.want)
		}
	}
}
