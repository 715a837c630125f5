package snp

import "encoding/hex"

// Guest policy and platform info bits the claims report.
const (
	policySMTBit          = 16
	policyMigrateMABit    = 18
	policyDebugBit        = 19
	policySingleSocketBit = 20
	platformSMTBit        = 0
	platformTSMEBit       = 1
)

// Claims returns upstream's claims for a verified report, with HEAD's
// encoding: numbers and booleans for policy, TCB and platform fields, and
// lowercase hex for measurement, report_data, init_data (HOSTDATA) and
// chip_id.
func Claims(r *AttestationReport) map[string]any {
	bit := func(v uint64, n uint) bool { return v>>n&1 == 1 }
	return map[string]any{
		"policy_abi_major":     int(r.Policy >> 8 & 0xff),
		"policy_abi_minor":     int(r.Policy & 0xff),
		"policy_smt_allowed":   bit(r.Policy, policySMTBit),
		"policy_migrate_ma":    bit(r.Policy, policyMigrateMABit),
		"policy_debug_allowed": bit(r.Policy, policyDebugBit),
		"policy_single_socket": bit(r.Policy, policySingleSocketBit),

		"reported_tcb_bootloader": int(r.ReportedTCB.Bootloader),
		"reported_tcb_tee":        int(r.ReportedTCB.TEE),
		"reported_tcb_snp":        int(r.ReportedTCB.SNP),
		"reported_tcb_microcode":  int(r.ReportedTCB.Microcode),

		"platform_tsme_enabled": bit(r.PlatInfo, platformTSMEBit),
		"platform_smt_enabled":  bit(r.PlatInfo, platformSMTBit),

		"measurement": hex.EncodeToString(r.Measurement),
		"report_data": hex.EncodeToString(r.ReportData),
		"init_data":   hex.EncodeToString(r.HostData),
		"chip_id":     hex.EncodeToString(r.ChipID),
	}
}
