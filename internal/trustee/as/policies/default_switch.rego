# Default appraisal policy for NVSwitch evidence (installed as
# "default_switch"). Rules, reference-value ids and numbers are those of
# upstream Trustee's ear_default_policy_switch.rego; the NVIDIA rules read
# the claims of NVIDIA's remote attestation service (NRAS).
package policy

import rego.v1

# Not recognised unless a rule below says otherwise (see default_cpu).
default hardware := 97

default executables := 33

default configuration := 36

default file_system := 0

default instance_identity := 0

default runtime_opaque := 0

default storage_opaque := 0

default sourced_data := 0

trust_claims := {
	"executables": executables,
	"hardware": hardware,
	"configuration": configuration,
	"file-system": file_system,
	"instance-identity": instance_identity,
	"runtime-opaque": runtime_opaque,
	"storage-opaque": storage_opaque,
	"sourced-data": sourced_data,
}

# Inert, as in default_gpu: data.reference is never loaded.
hardware := 2 if {
	input.sampledevice.svn in data.reference.device_svn
}

# The switch's attestation report is genuine (see default_gpu).
hardware := 2 if {
	input.nvidia
	switch_chain_good("x-nvidia-switch-attestation-report-cert-chain")
	input.nvidia["x-nvidia-switch-attestation-report-cert-chain-fwid-match"]
	input.nvidia["x-nvidia-switch-attestation-report-parsed"]
	input.nvidia["x-nvidia-switch-attestation-report-signature-verified"]
	input.nvidia["x-nvidia-switch-arch-check"]
}

configuration := 2 if {
	switch_locked_down
	input.nvidia["x-nvidia-switch-bios-version"] in query_reference_value("allowed_switch_bios_versions")
} else := 3 if {
	switch_locked_down
}

executables := 3 if {
	switch_chain_good("x-nvidia-switch-bios-rim-cert-chain")
	every check in ["fetched", "measurements-available", "schema-validated", "signature-verified", "version-match"] {
		input.nvidia[sprintf("x-nvidia-switch-bios-rim-%s", [check])]
	}
	input.nvidia.measres == "success"
}

switch_locked_down if {
	input.nvidia.secboot
	input.nvidia.dbgstat == "disabled"
}

switch_chain_good(chain) if {
	input.nvidia[chain]["x-nvidia-cert-ocsp-status"] == "good"
	input.nvidia[chain]["x-nvidia-cert-status"] == "valid"
}
