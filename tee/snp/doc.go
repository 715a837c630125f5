// Package snp is the AMD SEV-SNP TEE: the evidence upstream's attester
// sends, its verification against AMD's roots of trust, the validation of
// its bindings, the claims upstream's verifier reports, and the guest-side
// attester.
//
// The package keeps go-sev-guest's split:
//
//   - parse: ParseEvidence, ParseReport and the AttestationReport type read
//     the JSON of upstream's sev crate and the binary ABI report;
//   - verify: Verifier checks the endorsement key (VCEK or VLEK) chain to
//     AMD's roots, the report signature, the reported TCB and the chip id;
//   - validate: Validate checks VMPL 0 and the report-data and HOSTDATA
//     bindings;
//   - trust: Roots holds AMD's certificate authorities per generation;
//   - claims: Claims turns a verified report into upstream's claims.
//
// Verification never reads policy, and nothing here decides whether a
// debuggable guest is acceptable: that is the appraisal policy's job.
package snp
