package azure

import (
	"encoding/base64"
	"fmt"

	"github.com/cocoon-cc/cocoon/tee/snp"
)

// snpClaimNames are the SNP claims upstream's az-snp-vtpm verifier
// reports, by tee/snp's names.
var snpClaimNames = []string{
	"policy_abi_major", "policy_abi_minor", "policy_smt_allowed", "policy_migrate_ma",
	"policy_debug_allowed", "policy_single_socket",
	"reported_tcb_bootloader", "reported_tcb_tee", "reported_tcb_snp", "reported_tcb_microcode",
	"platform_tsme_enabled", "platform_smt_enabled",
}

// snpClaims are upstream's az-snp-vtpm claims of a verified report, which
// differ in encoding from the "snp" TEE's: numbers and booleans as
// strings ("1", "true") and the measurement in standard base64. Upstream
// also sets report_data and init_data from the report, in base64, but the
// vTPM's hex values always replace them (see addClaims); chip_id is not
// reported.
func snpClaims(r *snp.AttestationReport) map[string]any {
	all := snp.Claims(r)
	claims := make(map[string]any, len(snpClaimNames)+4)
	for _, name := range snpClaimNames {
		claims[name] = fmt.Sprint(all[name])
	}
	claims["measurement"] = base64.StdEncoding.EncodeToString(r.Measurement)
	return claims
}
