# Default appraisal policy for the PPCIE topology claim set (installed as
# "default_ppcie"), as upstream Trustee's ear_default_policy_ppcie.rego.
# The NVIDIA verifier only emits this class for a valid protected-PCIe
# topology of GPUs and switches, so the configuration is known good (2);
# hardware and executables are appraised in the GPU and switch submodules.
package policy

import rego.v1

default hardware := 0

default executables := 0

default configuration := 2

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
