# Default appraisal policy for CPU evidence (installed as "default_cpu").
#
# It turns verifier claims into an AR4SI trust vector
# (draft-ietf-rats-ar4si) and names the workload in the
# ear.trustee.identifiers extension. Reference values come from the RVPS
# through query_reference_value(id), which yields null for an unknown id.
# Rules, reference-value ids and numbers are those of upstream Trustee's
# ear_default_policy_cpu.rego, so tokens appraise the same.
package policy

import rego.v1

# Without a matching platform section the vector says "not recognised":
# executables 33 (unrecognised runtime), hardware 97 (unrecognised
# hardware, hence contraindicated), configuration 36 (unavailable), and
# no assertion (0) for the rest.
default executables := 33

default hardware := 97

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

# Values awarded below: executables 3 = only approved executables loaded
# (4 = approved, but the boot chain is only partly measured); hardware 2 =
# genuine, supported hardware and firmware; configuration 2 = known,
# approved configuration, 3 = no known vulnerable setting, 0 = no assertion.

# --- sample: a TEE with no hardware; its claims are fixed test values.

executables := 3 if {
	input.sample
	input.sample.launch_digest in query_reference_value("launch_digest")
}

hardware := 2 if {
	input.sample
	input.sample.svn in query_reference_value("svn")
	input.sample.platform_version.major == query_reference_value("major_version")
	input.sample.platform_version.minor >= query_reference_value("minimum_minor_version")
}

configuration := 2 if {
	input.sample
	input.sample.debug == false
}

# --- AMD SEV-SNP

executables := 3 if {
	input.snp
	input.snp.measurement in query_reference_value("snp_launch_measurement")
}

hardware := 2 if {
	input.snp
	snp_firmware_recognised
}

configuration := 2 if {
	snp_guest_locked_down
	snp_configuration_matches
} else := 3 if {
	snp_guest_locked_down
}

snp_firmware_recognised if {
	input.snp.reported_tcb_bootloader in query_reference_value("snp_bootloader")
	input.snp.reported_tcb_microcode in query_reference_value("snp_microcode")
	input.snp.reported_tcb_snp in query_reference_value("snp_snp_svn")
	input.snp.reported_tcb_tee in query_reference_value("snp_tee_svn")
}

# No debugging and no migration agent.
snp_guest_locked_down if {
	input.snp
	input.snp.policy_debug_allowed == false
	input.snp.policy_migrate_ma == false
}

snp_configuration_matches if {
	input.snp.platform_smt_enabled == query_reference_value("snp_smt_enabled")
	input.snp.platform_tsme_enabled == query_reference_value("snp_tsme_enabled")
	input.snp.policy_abi_major == query_reference_value("snp_guest_abi_major")
	input.snp.policy_abi_minor == query_reference_value("snp_guest_abi_minor")
	input.snp.policy_single_socket == query_reference_value("snp_single_socket")
	input.snp.policy_smt_allowed == query_reference_value("snp_smt_allowed")
}

# --- Intel TDX

# Kernel, initrd and command line are measured into RTMR1 and RTMR2. With
# TDVF direct boot the kernel and its parameters are also checked event by
# event; GRUB boot (as on GKE) only gets the RTMR check, hence 4.
executables := 3 if {
	tdx_rtmrs_recognised
	tdx_kernel_recognised
	tdx_kernel_params_recognised
} else := 4 if {
	tdx_rtmrs_recognised
}

# A quote of Intel's quoting enclave for a TD, a known TDVF (MRTD), an up
# to date TCB and unexpired collateral. MRSEAM is not checked.
hardware := 2 if {
	input.tdx
	input.tdx.quote.header.tee_type == "81000000"
	input.tdx.quote.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"
	input.tdx.quote.body.mr_td in query_reference_value("mr_td")
	input.tdx.tcb_status == "UpToDate"
	input.tdx.collateral_expiration_status == "0"
}

configuration := 2 if {
	input.tdx
	input.tdx.td_attributes.debug == false
	input.tdx.quote.body.xfam in query_reference_value("xfam")
}

tdx_rtmrs_recognised if {
	input.tdx
	input.tdx.quote.body.rtmr_1 in query_reference_value("rtmr_1")
	input.tdx.quote.body.rtmr_2 in query_reference_value("rtmr_2")
}

tdx_kernel_recognised if {
	some event in input.tdx.uefi_event_logs
	event.type_name == "EV_EFI_BOOT_SERVICES_APPLICATION"
	"File(kernel)" in event.details.device_paths
	tdx_event_digest_is(event, "tdvfkernel")
}

tdx_kernel_params_recognised if {
	some event in input.tdx.uefi_event_logs
	event.type_name == "EV_EVENT_TAG"
	event.details.string == "LOADED_IMAGE::LoadOptions"
	tdx_event_digest_is(event, "tdvfkernelparams")
}

tdx_event_digest_is(event, rv_id) if {
	some d in event.digests
	d.digest == query_reference_value(rv_id)
}

# --- SEV-SNP behind Azure's paravisor (vTPM)

executables := 3 if {
	input["az-snp-vtpm"]
	input["az-snp-vtpm"].measurement in query_reference_value("measurement")
	input["az-snp-vtpm"].tpm.pcr11 in query_reference_value("snp_pcr11")
}

hardware := 2 if {
	input["az-snp-vtpm"]
	input["az-snp-vtpm"].reported_tcb_bootloader in query_reference_value("tcb_bootloader")
	input["az-snp-vtpm"].reported_tcb_microcode in query_reference_value("tcb_microcode")
	input["az-snp-vtpm"].reported_tcb_snp in query_reference_value("tcb_snp")
	input["az-snp-vtpm"].reported_tcb_tee in query_reference_value("tcb_tee")
}

configuration := 2 if {
	input["az-snp-vtpm"]
	input["az-snp-vtpm"].platform_smt_enabled in query_reference_value("smt_enabled")
	input["az-snp-vtpm"].platform_tsme_enabled in query_reference_value("tsme_enabled")
	input["az-snp-vtpm"].policy_abi_major in query_reference_value("abi_major")
	input["az-snp-vtpm"].policy_abi_minor in query_reference_value("abi_minor")
	input["az-snp-vtpm"].policy_single_socket in query_reference_value("single_socket")
	input["az-snp-vtpm"].policy_smt_allowed in query_reference_value("smt_allowed")
}

# --- TDX behind Azure's paravisor (vTPM)

executables := 3 if {
	input["az-tdx-vtpm"]
	input["az-tdx-vtpm"].tpm.pcr11 in query_reference_value("tdx_pcr11")
}

hardware := 2 if {
	input["az-tdx-vtpm"]
	input["az-tdx-vtpm"].quote.header.tee_type == "81000000"
	input["az-tdx-vtpm"].quote.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"
	input["az-tdx-vtpm"].quote.body.mr_td in query_reference_value("mr_td")
	input["az-tdx-vtpm"].tcb_status == "UpToDate"
}

configuration := 2 if {
	input["az-tdx-vtpm"]
	input["az-tdx-vtpm"].quote.body.xfam in query_reference_value("xfam")
}

# --- TPM: the quote's signer is only trusted when its AK is a reference
# value, so the hardware claim is given and executables carry the trust.

hardware := 2 if {
	input.tpm
}

executables := 3 if {
	input.tpm
	input.tpm.pcr11 in query_reference_value("tpm_pcr11")
	input.tpm.ak_public in query_reference_value("trusted_aks")
}

configuration := 0 if {
	input.tpm
}

# --- IBM Secure Execution: its verifier checks measurements, signatures
# and user data itself, so the claims being present is enough.

executables := 3 if {
	input.se
}

hardware := 2 if {
	input.se
}

configuration := 2 if {
	input.se
}

# --- Extensions added to the EAR appraisal.

# ear.trustee.identifiers names the workload the evidence vouches for: the
# container images and user ids of the Kata agent policy carried in the
# init-data. A list is left out when it is empty.
extensions := [{
	"name": "ear.trustee.identifiers",
	"key": -18,
	"value": {"validated": validated_identifiers},
}]

validated_identifiers[name] := ids if {
	some name, ids in workload_identifier_lists
	count(ids) > 0
}

workload_identifier_lists := {
	"container_images": [image |
		some container in agent_policy_containers
		image := container.OCI.Annotations["io.kubernetes.cri.image-name"]
	],
	"container_uids": [uid |
		some container in agent_policy_containers
		uid := container.OCI.Process.User.UID
	],
}

agent_policy_containers := input.init_data_claims.agent_policy_claims.containers
