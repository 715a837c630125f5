// Package nvidia is the NVIDIA GPU TEE as Trustee's "nvidia" verifier sees
// it: the evidence upstream's attester sends, local verification of Hopper
// SPDM measurement reports against NVIDIA's device identity root, the
// nonce binding, and the claims upstream's local verifier reports.
//
// The package keeps the parse / verify / validate / trust split:
//
//   - parse: ParseEvidence reads the device_evidence_list JSON, ParseReport
//     the SPDM GET_MEASUREMENTS request and response (measurement blocks
//     and NVIDIA's opaque data), ParseCertChain the PEM chain;
//   - trust: Root is NVIDIA's device identity root, loaded from a file the
//     operator provides (upstream embeds it; Cocoon ships no fetched
//     certificate);
//   - verify: Verifier checks the chain to the root, the leaf's FWID
//     against the report's, the report signature (ECDSA P-384 over SHA-384
//     of the request and the response up to its signature) and, when
//     configured, OCSP for the chain;
//   - validate: ValidateNonce checks the request nonce against the expected
//     report data, regularised to 32 bytes;
//   - claims: Claims turns a verified device into upstream's claims.
//
// Upstream's local verifier never checks OCSP (only NVIDIA's remote service
// reports revocation). Here OCSP is an option, off by default; its outcome
// is the one claim upstream does not have, "ocsp_status", so a policy can
// tell a checked chain from an unchecked one. Verification never reads
// policy.
package nvidia
