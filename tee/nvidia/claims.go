package nvidia

import (
	"encoding/hex"
	"strconv"
)

// ClaimOCSPStatus is the one claim upstream's local verifier does not
// emit: whether the chain's revocation status was checked (OCSPGood) or
// not (OCSPNotChecked). It is deliberately not at the path of NVIDIA's
// remote-service claims the default GPU policy reads, so that policy sees
// a locally verified device exactly as upstream's would.
const ClaimOCSPStatus = "ocsp_status"

// Claims are upstream's local-verifier claims of a verified device —
// arch, uuid, measurements (index → hex value) and config (the opaque
// data) — plus ClaimOCSPStatus.
func Claims(d *VerifiedDevice) map[string]any {
	measurements := make(map[string]any, len(d.Report.Response.Blocks))
	for _, b := range d.Report.Response.Blocks {
		// Upstream keeps the last of repeated indices.
		measurements[strconv.Itoa(int(b.Index))] = hex.EncodeToString(b.Value)
	}
	config := make(map[string]any, len(d.Report.Response.Opaque))
	for k, v := range d.Report.Response.Opaque {
		config[k] = v
	}
	return map[string]any{
		"arch":          string(d.Arch),
		"uuid":          d.UUID,
		"measurements":  measurements,
		"config":        config,
		ClaimOCSPStatus: string(d.OCSP),
	}
}
