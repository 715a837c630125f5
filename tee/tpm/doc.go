// Package tpm is the "tpm" TEE: a TPM 2.0 (or a vTPM given to a VM) whose
// attestation key signs a quote over its PCRs.
//
// The guest side (Attester, Provider) talks to a TPM through go-tpm and
// produces upstream guest-components' evidence:
//
//	{"tpm_quote":{"signature":"<std b64 TPMT_SIGNATURE>",
//	              "message":"<std b64 TPMS_ATTEST>",
//	              "pcrs":["<hex SHA-256 PCR0>", ... "<PCR23>"]},
//	 "ak_public":"<std b64 DER SubjectPublicKeyInfo>",
//	 "aa_eventlog":"<std b64 AAEL records>"}
//
// "aa_eventlog" is Cocoon's addition (upstream's TPM attester sends no event
// log): the attestation-agent's runtime event log (AAEL), as the TCG2
// crypto-agile records the agent appends to its log file, each extended with
// SHA-256 into the PCR its record names. It is optional, and upstream's
// verifier ignores it.
//
// The verifier side (Verify) is pure: it checks the quote's signature by
// the AK the evidence names, the nonce, the PCR digest, the init-data
// binding in PCR 8 and the event-log replay, and returns upstream's claims.
// Whether the AK itself is trusted is left to policy (reference value
// "trusted_aks"), as upstream does.
package tpm
