package tdx

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-tdx-guest/pcs"
)

// ErrTCB means the platform's TCB is refused: revoked, unknown to the
// collateral, or not the platform the collateral describes.
var ErrTCB = errors.New("tdx: TCB not acceptable")

// TCB statuses upstream accepts (DCAP results OK, SW_HARDENING_NEEDED,
// CONFIG_NEEDED, ... as Trustee names them). Revoked is refused.
var acceptedTCBStatuses = []pcs.TcbComponentStatus{
	pcs.TcbComponentStatusUpToDate,
	pcs.TcbComponentStatusSwHardeningNeeded,
	pcs.TcbComponentStatusConfigurationNeeded,
	pcs.TcbComponentStatusConfigurationAndSWHardeningNeeded,
	pcs.TcbComponentStatusOutOfDate,
	pcs.TcbComponentStatusOutOfDateConfigurationNeeded,
}

// TCBResult is the appraisal of a platform's TCB against collateral.
type TCBResult struct {
	Status      pcs.TcbComponentStatus
	AdvisoryIDs []string
	// TCBDate is the date of the matching TCB level.
	TCBDate string
}

// EvaluateTCB matches the quote's TCB (the PCK's SGX components and PCE
// SVN, the TD's TEE_TCB_SVN, the QE's ISV SVN) with the collateral's TCB
// levels, as Intel's quote verification library does, and converges the
// platform, TDX module and QE statuses into one.
func EvaluateTCB(q *Quote, pck *PCK, c *Collateral) (TCBResult, error) {
	ti := &c.TCBInfo
	if !strings.EqualFold(ti.Fmspc, pck.Extensions.FMSPC) || !strings.EqualFold(ti.PceID, pck.Extensions.PCEID) {
		return TCBResult{}, fmt.Errorf("%w: collateral is for FMSPC %s PCEID %s, PCK for %s %s", ErrTCB, ti.Fmspc, ti.PceID, pck.Extensions.FMSPC, pck.Extensions.PCEID)
	}
	level, err := platformLevel(ti.TcbLevels, &q.Body, pck)
	if err != nil {
		return TCBResult{}, err
	}
	res := TCBResult{Status: level.TcbStatus, AdvisoryIDs: slices.Clone(level.AdvisoryIDs), TCBDate: level.TcbDate}
	module, err := moduleLevel(ti, &q.Body)
	if err != nil {
		return TCBResult{}, err
	}
	qe, err := qeLevel(&c.QEIdentity, &q.QEReport)
	if err != nil {
		return TCBResult{}, err
	}
	for _, other := range []*pcs.TcbLevel{module, qe} {
		if other == nil {
			continue
		}
		res.Status = converge(res.Status, other.TcbStatus)
		for _, id := range other.AdvisoryIDs {
			if !slices.Contains(res.AdvisoryIDs, id) {
				res.AdvisoryIDs = append(res.AdvisoryIDs, id)
			}
		}
	}
	if !slices.Contains(acceptedTCBStatuses, res.Status) {
		return TCBResult{}, fmt.Errorf("%w: status %s", ErrTCB, res.Status)
	}
	return res, nil
}

// platformLevel is the first TCB level the platform reaches.
func platformLevel(levels []pcs.TcbLevel, body *Body, pck *PCK) (pcs.TcbLevel, error) {
	// With a TDX module version (TEE_TCB_SVN[1]) its first two SVNs are
	// judged by the module identities instead.
	tdxStart := 0
	if body.TeeTCBSVN[1] > 0 {
		tdxStart = 2
	}
	for _, l := range levels {
		if svnAtLeast(pck.Extensions.TCB.CPUSvnComponents, l.Tcb.SgxTcbcomponents, 0) &&
			pck.Extensions.TCB.PCESvn >= l.Tcb.Pcesvn &&
			svnAtLeast(body.TeeTCBSVN[:], l.Tcb.TdxTcbcomponents, tdxStart) {
			return l, nil
		}
	}
	return pcs.TcbLevel{}, fmt.Errorf("%w: no TCB level matches the platform", ErrTCB)
}

func svnAtLeast(svns []byte, levels []pcs.TcbComponent, from int) bool {
	if len(svns) != len(levels) {
		return false
	}
	for i := from; i < len(svns); i++ {
		if svns[i] < levels[i].Svn {
			return false
		}
	}
	return true
}

// moduleLevel checks the TDX module (MRSIGNERSEAM, SEAM attributes) and
// returns the TCB level of its identity, or nil for a module without one.
func moduleLevel(ti *pcs.TcbInfo, body *Body) (*pcs.TcbLevel, error) {
	version := body.TeeTCBSVN[1]
	signer, attrs, mask := ti.TdxModule.Mrsigner.Bytes, ti.TdxModule.Attributes.Bytes, ti.TdxModule.AttributesMask.Bytes
	var identity *pcs.TdxModuleIdentity
	if version > 0 {
		id := fmt.Sprintf("TDX_%02X", version)
		i := slices.IndexFunc(ti.TdxModuleIdentities, func(m pcs.TdxModuleIdentity) bool { return m.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("%w: no TDX module identity %s", ErrTCB, id)
		}
		identity = &ti.TdxModuleIdentities[i]
		signer, attrs, mask = identity.Mrsigner.Bytes, identity.Attributes.Bytes, identity.AttributesMask.Bytes
	}
	if !bytes.Equal(signer, body.MRSignerSeam[:]) {
		return nil, fmt.Errorf("%w: MRSIGNERSEAM is not the TDX module signer", ErrTCB)
	}
	if !maskedEqual(body.SeamAttributes[:], mask, attrs) {
		return nil, fmt.Errorf("%w: SEAM attributes differ from the TDX module's", ErrTCB)
	}
	if identity == nil {
		return nil, nil
	}
	for _, l := range identity.TcbLevels {
		if uint32(body.TeeTCBSVN[0]) >= l.Tcb.Isvsvn {
			return &l, nil
		}
	}
	return nil, fmt.Errorf("%w: no TCB level of %s matches the module's SVN", ErrTCB, identity.ID)
}

// qeLevel checks the quoting enclave against its identity and returns its
// TCB level.
func qeLevel(id *pcs.EnclaveIdentity, qe *QEReport) (*pcs.TcbLevel, error) {
	// PCS hex and report bytes are compared in the same order, as
	// go-tdx-guest does.
	misc := []byte{byte(qe.MiscSelect), byte(qe.MiscSelect >> 8), byte(qe.MiscSelect >> 16), byte(qe.MiscSelect >> 24)}
	switch {
	case !bytes.Equal(id.Mrsigner.Bytes, qe.MRSigner[:]):
		return nil, fmt.Errorf("%w: QE MRSIGNER is not Intel's", ErrTCB)
	case id.IsvProdID != qe.IsvProdID:
		return nil, fmt.Errorf("%w: QE ISVPRODID %d, want %d", ErrTCB, qe.IsvProdID, id.IsvProdID)
	case !maskedEqual(misc, id.MiscselectMask.Bytes, id.Miscselect.Bytes):
		return nil, fmt.Errorf("%w: QE MISCSELECT differs from its identity", ErrTCB)
	case !maskedEqual(qe.Attributes[:], id.AttributesMask.Bytes, id.Attributes.Bytes):
		return nil, fmt.Errorf("%w: QE attributes differ from its identity", ErrTCB)
	}
	for _, l := range id.TcbLevels {
		if uint32(qe.IsvSVN) >= l.Tcb.Isvsvn {
			return &l, nil
		}
	}
	return nil, fmt.Errorf("%w: no QE TCB level matches ISVSVN %d", ErrTCB, qe.IsvSVN)
}

func maskedEqual(value, mask, want []byte) bool {
	if len(value) != len(mask) || len(mask) != len(want) {
		return false
	}
	for i := range value {
		if value[i]&mask[i] != want[i] {
			return false
		}
	}
	return true
}

// converge folds the status of the TDX module or QE into the platform's:
// an out-of-date component makes the platform out of date, a revoked one
// revoked.
func converge(platform, component pcs.TcbComponentStatus) pcs.TcbComponentStatus {
	switch component {
	case pcs.TcbComponentStatusRevoked:
		return pcs.TcbComponentStatusRevoked
	case pcs.TcbComponentStatusOutOfDate:
		switch platform {
		case pcs.TcbComponentStatusUpToDate, pcs.TcbComponentStatusSwHardeningNeeded:
			return pcs.TcbComponentStatusOutOfDate
		case pcs.TcbComponentStatusConfigurationNeeded, pcs.TcbComponentStatusConfigurationAndSWHardeningNeeded:
			return pcs.TcbComponentStatusOutOfDateConfigurationNeeded
		}
	}
	return platform
}

// sgxTypeNames are upstream's names of the PCK's SGX type.
var sgxTypeNames = map[int]string{0: "Standard", 1: "Scalable", 2: "Scalable with Integrity"}

// SupplementalClaims are the DCAP supplemental claims this verifier can
// compute from the quote, PCK and collateral at time now.
func SupplementalClaims(res TCBResult, pck *PCK, c *Collateral, now time.Time) map[string]any {
	issued := []time.Time{c.TCBInfo.IssueDate, c.QEIdentity.IssueDate}
	expiries := []time.Time{c.TCBInfo.NextUpdate, c.QEIdentity.NextUpdate, c.Signing.NotAfter, pck.Leaf.NotAfter, pck.CA.NotAfter, pck.Root.NotAfter}
	earliestExpiry := slices.MinFunc(expiries, time.Time.Compare)
	expired := "0"
	if now.After(earliestExpiry) {
		expired = "1"
	}
	advisories := make([]any, len(res.AdvisoryIDs))
	for i, id := range res.AdvisoryIDs {
		advisories[i] = id
	}
	sgxType, ok := sgxTypeNames[pck.SGXType]
	if !ok {
		sgxType = fmt.Sprintf("Unknown (%d)", pck.SGXType)
	}
	claims := map[string]any{
		"tcb_status":                   string(res.Status),
		"advisory_ids":                 advisories,
		"collateral_expiration_status": expired,
		"tcb_date":                     res.TCBDate,
		"tcb_eval_num":                 min(c.TCBInfo.TcbEvaluationDataNumber, c.QEIdentity.TcbEvaluationDataNumber),
		"earliest_issue_date":          rfc3339(slices.MinFunc(issued, time.Time.Compare)),
		"latest_issue_date":            rfc3339(slices.MaxFunc(issued, time.Time.Compare)),
		"earliest_expiration_date":     rfc3339(earliestExpiry),
		"platform_provider_id":         pck.Extensions.PPID,
		"sgx_type":                     sgxType,
	}
	if pck.SGXType > 0 {
		claims["is_dynamic_platform"] = deref(pck.DynamicPlatform)
		claims["is_cached_keys"] = deref(pck.CachedKeys)
		claims["is_smt_enabled"] = deref(pck.SMTEnabled)
	}
	return claims
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func deref(b *bool) bool { return b != nil && *b }
