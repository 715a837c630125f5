package policy

import rego.v1

# Release only when the attestation service appraised every submodule of
# the EAR token as "affirming", that is, the attestation policy was met.
default allow := false

allow if {
	count(input.submods) > 0
	every submod in input.submods {
		submod["ear.status"] == "affirming"
	}
}
