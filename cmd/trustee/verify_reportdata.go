package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	protocol "github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// evidenceReportData is the report data evidence carries, read with the
// TEE's own parser. Every verifier refuses evidence bound to nothing, so
// verify without --report-data binds the evidence to what it claims.
func evidenceReportData(tee protocol.Tee, evidence json.RawMessage) ([]byte, error) {
	switch tee {
	case protocol.TeeSample, protocol.TeeSampleDevice:
		var ev sample.Evidence
		if err := json.Unmarshal(evidence, &ev); err != nil {
			return nil, fmt.Errorf("sample evidence: %w", err)
		}
		return base64.StdEncoding.DecodeString(ev.ReportData)
	case protocol.TeeSnp:
		ev, err := snp.ParseEvidence(evidence)
		if err != nil {
			return nil, err
		}
		return ev.AttestationReport.ReportData, nil
	case protocol.TeeTdx:
		raw, _, err := tdx.ParseEvidence(evidence)
		if err != nil {
			return nil, err
		}
		q, err := tdx.ParseQuote(raw)
		if err != nil {
			return nil, err
		}
		return q.Body.ReportData[:], nil
	case protocol.TeeTpm:
		ev, err := tpm.ParseEvidence(evidence)
		if err != nil {
			return nil, err
		}
		msg, err := base64.StdEncoding.DecodeString(ev.TPMQuote.Message)
		if err != nil {
			return nil, fmt.Errorf("tpm evidence: tpm_quote.message: %w", err)
		}
		attest, err := tpm.ParseAttest(msg)
		if err != nil {
			return nil, err
		}
		return attest.ExtraData, nil
	}
	return nil, fmt.Errorf("TEE %q: give --report-data, its report data cannot be read here", tee)
}
