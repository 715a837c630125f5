# Default appraisal policy for GPU evidence (installed as "default_gpu").
#
# Rules, reference-value ids and numbers are those of upstream Trustee's
# ear_default_policy_gpu.rego. The NVIDIA rules read the claims of NVIDIA's
# remote attestation service (NRAS); claims of a local NVIDIA verifier
# leave the defaults in place.
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

# Sample devices. Upstream kept this rule from before reference values
# moved to query_reference_value; data.reference is never loaded, so a
# sample device stays unrecognised (hardware 97), as upstream.
hardware := 2 if {
	input.sampledevice.svn in data.reference.device_svn
}

# --- NVIDIA GPUs, as appraised by NRAS.

# The attestation report is genuine: its certificate chain is valid and
# not revoked, matches the firmware, and signs a report of the right
# architecture.
hardware := 2 if {
	input.nvidia
	gpu_chain_good("x-nvidia-gpu-attestation-report-cert-chain")
	input.nvidia["x-nvidia-gpu-attestation-report-cert-chain-fwid-match"]
	input.nvidia["x-nvidia-gpu-attestation-report-parsed"]
	input.nvidia["x-nvidia-gpu-attestation-report-signature-verified"]
	input.nvidia["x-nvidia-gpu-arch-check"]
}

# Secure boot on and debugging off; 2 when the VBIOS and driver are also
# approved versions, else 3.
configuration := 2 if {
	gpu_locked_down
	input.nvidia["x-nvidia-gpu-vbios-version"] in query_reference_value("allowed_vbios_versions")
	input.nvidia["x-nvidia-gpu-driver-version"] in query_reference_value("allowed_driver_versions")
} else := 3 if {
	gpu_locked_down
}

# The measurements match NVIDIA's signed reference integrity manifests
# (RIMs) for both the driver and the VBIOS.
executables := 3 if {
	gpu_chain_good("x-nvidia-gpu-vbios-rim-cert-chain")
	gpu_rim_checked("driver")
	gpu_rim_checked("vbios")
	input.nvidia.measres == "success"
}

gpu_locked_down if {
	input.nvidia.secboot
	input.nvidia.dbgstat == "disabled"
}

gpu_chain_good(chain) if {
	input.nvidia[chain]["x-nvidia-cert-ocsp-status"] == "good"
	input.nvidia[chain]["x-nvidia-cert-status"] == "valid"
}

gpu_rim_checked(component) if {
	every check in ["fetched", "measurements-available", "schema-validated", "signature-verified", "version-match"] {
		input.nvidia[sprintf("x-nvidia-gpu-%s-rim-%s", [component, check])]
	}
}
