package tdx

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/cocoon-cc/cocoon/tee/ccel"
)

// TD attribute bits upstream reports under "td_attributes".
var tdAttributeBits = []struct {
	name string
	bit  uint
}{
	{"debug", 0}, {"septve_disable", 28}, {"protection_keys", 30}, {"key_locker", 31}, {"perfmon", 63},
}

// Claims builds upstream's TDX claims from a quote, its PCK chain and the
// event log (nil when the evidence has none): quote.header.*, quote.body.*,
// quote.type and quote.size for v5, td_attributes.*, report_data, init_data
// (MRCONFIGID), platform_instance_id for Platform CA chains and
// uefi_event_logs. All bytes are lower-case hex.
func Claims(q *Quote, pck *PCK, log *ccel.EventLog) map[string]any {
	quote := map[string]any{
		"header": headerClaims(q),
		"body":   bodyClaims(&q.Body),
	}
	if q.Header.Version == QuoteV5 {
		quote["type"] = hex.EncodeToString(binary.LittleEndian.AppendUint16(nil, q.BodyType))
		quote["size"] = hex.EncodeToString(binary.LittleEndian.AppendUint32(nil, q.BodySize))
	}
	attrs := binary.LittleEndian.Uint64(q.Body.TDAttributes[:])
	tdAttributes := map[string]any{}
	for _, a := range tdAttributeBits {
		tdAttributes[a.name] = attrs&(1<<a.bit) != 0
	}
	claims := map[string]any{
		"quote":         quote,
		"td_attributes": tdAttributes,
		"report_data":   hex.EncodeToString(q.Body.ReportData[:]),
		"init_data":     hex.EncodeToString(q.Body.MRConfigID[:]),
	}
	if pck != nil && pck.PlatformInstanceID != nil {
		claims["platform_instance_id"] = hex.EncodeToString(pck.PlatformInstanceID)
	}
	if log != nil {
		claims["uefi_event_logs"] = log.Claims()
	}
	return claims
}

func headerClaims(q *Quote) map[string]any {
	h := &q.Header
	return map[string]any{
		"version":      hex.EncodeToString(binary.LittleEndian.AppendUint16(nil, h.Version)),
		"att_key_type": hex.EncodeToString(binary.LittleEndian.AppendUint16(nil, h.AttKeyType)),
		"tee_type":     hex.EncodeToString(binary.LittleEndian.AppendUint32(nil, h.TeeType)),
		"reserved":     hex.EncodeToString(h.Reserved[:]),
		"vendor_id":    hex.EncodeToString(h.VendorID[:]),
		"user_data":    hex.EncodeToString(h.UserData[:]),
	}
}

func bodyClaims(b *Body) map[string]any {
	m := map[string]any{
		"tcb_svn":         hex.EncodeToString(b.TeeTCBSVN[:]),
		"mr_seam":         hex.EncodeToString(b.MRSeam[:]),
		"mrsigner_seam":   hex.EncodeToString(b.MRSignerSeam[:]),
		"seam_attributes": hex.EncodeToString(b.SeamAttributes[:]),
		"td_attributes":   hex.EncodeToString(b.TDAttributes[:]),
		"xfam":            hex.EncodeToString(b.XFAM[:]),
		"mr_td":           hex.EncodeToString(b.MRTD[:]),
		"mr_config_id":    hex.EncodeToString(b.MRConfigID[:]),
		"mr_owner":        hex.EncodeToString(b.MROwner[:]),
		"mr_owner_config": hex.EncodeToString(b.MROwnerConfig[:]),
		"rtmr_0":          hex.EncodeToString(b.RTMRs[0][:]),
		"rtmr_1":          hex.EncodeToString(b.RTMRs[1][:]),
		"rtmr_2":          hex.EncodeToString(b.RTMRs[2][:]),
		"rtmr_3":          hex.EncodeToString(b.RTMRs[3][:]),
		"report_data":     hex.EncodeToString(b.ReportData[:]),
	}
	if b.TeeTCBSVN2 != nil {
		m["tee_tcb_svn2"] = hex.EncodeToString(b.TeeTCBSVN2)
		m["mr_servicetd"] = hex.EncodeToString(b.MRServiceTD)
	}
	return m
}
