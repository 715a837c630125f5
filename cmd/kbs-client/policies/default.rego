package policy

import rego.v1

# Trustee's default: release resources of the resource plugin to any
# attested TEE except the sample TEE, whose evidence proves nothing.
default allow := false

allow if {
	data.plugin == "resource"
	not input.submods.cpu0["ear.veraison.annotated-evidence"].sample
}
