// Package as is the Attestation Service: it verifies TEE evidence, appraises
// the claims with a Rego policy and reference values, and issues an EAR
// attestation token, as upstream Trustee's CoCo AS does.
//
// Evaluate is one linear pipeline: select the verifier by TEE → verify the
// evidence against the runtime-data digest and init-data digest → build the
// policy input → appraise it with "<policy id>_<class>" → issue a token with
// one submodule per claim set ("cpu0", "gpu0", "gpu1", ...).
//
// Where upstream would accept evidence without runtime data (then unbound
// and replayable), this package refuses it.
package as
