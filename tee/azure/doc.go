// Package azure is the Azure confidential VM TEE seen through its
// paravisor (HCL): evidence of TEE "az-snp-vtpm" (SEV-SNP) and
// "az-tdx-vtpm" (TDX), as upstream guest-components' Azure attesters send
// it, and its verification as upstream Trustee does it.
//
// On Azure the guest cannot ask the hardware for a report with its own
// report data. The paravisor asks instead, at boot, and binds into the
// hardware report's REPORT_DATA the SHA-256 of a JSON document (the HCL
// "var-data") that holds the vTPM's attestation key (AK). The guest then
// binds its runtime data by using it as the nonce of a vTPM quote signed
// by that AK. Verification follows the chain the other way round:
//
//   - the vTPM quote is signed by the AK from the var-data, its nonce is
//     the expected report data exactly, and its PCR digest covers the PCR
//     values sent;
//   - the var-data hash is the first 32 bytes of the hardware report's
//     REPORT_DATA (and from evidence version 2 on, the var-data's
//     "user-data" starts with the expected report data);
//   - the hardware report is genuine: for SNP the VCEK sent with the
//     evidence chains to AMD's roots and signs the report, issued at
//     VMPL 0 (tee/snp); for TDX the TD quote passes DCAP (tee/tdx);
//   - PCR 8 holds the init-data digest when one is expected.
//
// Parsing (ParseSNPEvidence, ParseTDXEvidence, ParseHCLReport), the
// hardware verification (tee/snp, tee/tdx) and the bindings are kept
// apart; roots of trust come from the caller or from tee/snp's defaults.
package azure
