package tdxtest

import (
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cocoon-cc/cocoon/tee/tdx"
)

// CollateralOptions shape the fake PCS collateral.
type CollateralOptions struct {
	// Status is the platform TCB level's status; empty means UpToDate.
	Status string
	// AdvisoryIDs of that level.
	AdvisoryIDs []string
	// IssueDate and NextUpdate of both documents; zero means a month
	// around 2025-06-01.
	IssueDate, NextUpdate time.Time
}

// CollateralTime is a time within the default collateral's validity.
var CollateralTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// Collateral returns TCB info and QE identity for the platform, signed by
// its TCB signing key, as PCS serves them.
func (p *Platform) Collateral(o CollateralOptions) (*tdx.RawCollateral, error) {
	if o.Status == "" {
		o.Status = "UpToDate"
	}
	if o.IssueDate.IsZero() {
		o.IssueDate = CollateralTime.Add(-15 * 24 * time.Hour)
	}
	if o.NextUpdate.IsZero() {
		o.NextUpdate = o.IssueDate.Add(30 * 24 * time.Hour)
	}
	svns := func(values ...int) []map[string]int {
		out := make([]map[string]int, 16)
		for i := range out {
			out[i] = map[string]int{"svn": 0}
			if i < len(values) {
				out[i]["svn"] = values[i]
			}
		}
		return out
	}
	cpu := make([]int, 16)
	for i, v := range CPUSVN {
		cpu[i] = int(v)
	}
	zero48 := strings.Repeat("00", 48)
	dates := map[string]any{"issueDate": o.IssueDate.Format(time.RFC3339), "nextUpdate": o.NextUpdate.Format(time.RFC3339)}
	level := func(status string, tcb map[string]any) map[string]any {
		l := map[string]any{"tcb": tcb, "tcbDate": "2024-03-13T00:00:00Z", "tcbStatus": status}
		if status == o.Status && o.AdvisoryIDs != nil {
			l["advisoryIDs"] = o.AdvisoryIDs
		}
		return l
	}
	tcbInfo := merge(dates, map[string]any{
		"id": "TDX", "version": 3, "fmspc": hexUpper(FMSPC[:]), "pceId": hexUpper(PCEID[:]),
		"tcbType": 0, "tcbEvaluationDataNumber": 17,
		"tdxModule": map[string]any{"mrsigner": zero48, "attributes": "0000000000000000", "attributesMask": "FFFFFFFFFFFFFFFF"},
		"tdxModuleIdentities": []any{map[string]any{
			"id": "TDX_01", "mrsigner": zero48, "attributes": "0000000000000000", "attributesMask": "FFFFFFFFFFFFFFFF",
			"tcbLevels": []any{level("UpToDate", map[string]any{"isvsvn": 4})},
		}},
		"tcbLevels": []any{
			level(o.Status, map[string]any{"sgxtcbcomponents": svns(cpu...), "pcesvn": int(PCESVN), "tdxtcbcomponents": svns(5, 0, 2)}),
			level("OutOfDate", map[string]any{"sgxtcbcomponents": svns(), "pcesvn": 0, "tdxtcbcomponents": svns()}),
		},
	})
	qeIdentity := merge(dates, map[string]any{
		"id": "TD_QE", "version": 2, "tcbEvaluationDataNumber": 17,
		"miscselect": "00000000", "miscselectMask": "FFFFFFFF",
		"attributes": "11000000000000000000000000000000", "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
		"mrsigner": hexUpper(QEMRSigner[:]), "isvprodid": int(QEProdID),
		"tcbLevels": []any{level("UpToDate", map[string]any{"isvsvn": int(QESVN)})},
	})
	tcbDoc, err := p.signedDocument("tcbInfo", tcbInfo)
	if err != nil {
		return nil, err
	}
	qeDoc, err := p.signedDocument("enclaveIdentity", qeIdentity)
	if err != nil {
		return nil, err
	}
	return &tdx.RawCollateral{TCBInfo: tcbDoc, QEIdentity: qeDoc, IssuerChain: p.IssuerChainPEM()}, nil
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func (p *Platform) signedDocument(field string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	sig, err := sign(p.tcbSigning.key, body)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, `{"%s":%s,"signature":"%s"}`, field, body, hex.EncodeToString(sig)), nil
}

// IssuerChainPEM is the TCB signing certificate and the root.
func (p *Platform) IssuerChainPEM() []byte {
	var out []byte
	for _, c := range []*keyPair{p.tcbSigning, p.root} {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
	}
	return out
}

// WriteCollateralDir writes raw collateral in tdx.CollateralDir's layout.
func WriteCollateralDir(dir string, raw *tdx.RawCollateral) error {
	if err := os.MkdirAll(filepath.Join(dir, "tcb_info"), 0o755); err != nil {
		return err
	}
	for name, b := range map[string][]byte{
		filepath.Join("tcb_info", hexUpper(FMSPC[:])+".json"): raw.TCBInfo,
		"qe_identity.json": raw.QEIdentity,
		"issuer_chain.pem": raw.IssuerChain,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
