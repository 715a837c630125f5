# Cocoon's default KBS resource policy.
#
# A guest may read a resource when it presents a valid attestation token,
# unless its CPU evidence came from the "sample" TEE: sample evidence has no
# hardware behind it, so anyone could produce it.
package policy

default allow := false

allow if {
	data.plugin == "resource"
	not sample_tee
}

sample_tee if input.submods.cpu0["ear.veraison.annotated-evidence"].sample
