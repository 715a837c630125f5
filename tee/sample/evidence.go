// Package sample is the "sample" and "sampledevice" TEE: evidence with no
// hardware behind it, for development and tests. It proves nothing, which
// is why Trustee's default resource policy refuses it.
package sample

import (
	"encoding/base64"
	"encoding/json"
)

// Evidence is the sample TEE's evidence as upstream's attester sends it.
type Evidence struct {
	SVN string `json:"svn"`
	// ReportData is standard base64 of the runtime-data digest, unpadded
	// to any report size.
	ReportData string `json:"report_data"`
}

// SVNs upstream's sample attesters report.
const (
	CPUSVN    = "1"
	DeviceSVN = "2"
)

// NewEvidence returns the evidence of a sample TEE bound to reportData.
func NewEvidence(svn string, reportData []byte) json.RawMessage {
	b, _ := json.Marshal(Evidence{SVN: svn, ReportData: base64.StdEncoding.EncodeToString(reportData)})
	return b
}
