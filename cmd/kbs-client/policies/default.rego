# Cocoon's default KBS resource policy.
#
# A guest may read a resource of the resource plugin when every submodule
# of its attestation token is "affirming" (the appraisal policy matched its
# evidence against registered reference values), and its CPU evidence is
# not from the "sample" TEE, which has no hardware behind it.
#
# This is stricter than upstream Trustee's default, which releases to any
# TEE but sample whatever the appraisal said: there, a TPM quote signed by
# an AK nobody trusts, or an SNP guest running unknown code, gets secrets.
package policy

default allow := false

allow if {
	data.plugin == "resource"
	not sample_tee
	count(input.submods) > 0
	every submod in input.submods {
		submod["ear.status"] == "affirming"
	}
}

sample_tee if input.submods.cpu0["ear.veraison.annotated-evidence"].sample
