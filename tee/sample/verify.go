package sample

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

var (
	// ErrMalformedEvidence means the evidence is not sample evidence.
	ErrMalformedEvidence = errors.New("sample: malformed evidence")
	// ErrNoExpectedReportData means the caller gave nothing to bind the
	// evidence to. Upstream skips the check then; we refuse, since evidence
	// bound to nothing can be replayed.
	ErrNoExpectedReportData = errors.New("sample: no expected report data to check the evidence against")
	// ErrReportDataMismatch means the evidence is bound to other runtime data.
	ErrReportDataMismatch = errors.New("sample: report data does not match the expected runtime-data digest")
)

// Claim values upstream's sample verifier reports for every CPU evidence.
const (
	LaunchDigest         = "abcde"
	PlatformMajorVersion = 1
	PlatformMinorVersion = 4
)

// Verify checks sample CPU evidence against the expected report data and
// returns upstream's claims. There is no signature to check: the only thing
// verified is the binding of report_data, which must equal
// expectedReportData exactly. The init-data digest cannot be checked by this
// TEE; when given, it is echoed as the "init_data" claim (standard base64) so
// that init-data features can be exercised end to end.
func Verify(evidence json.RawMessage, expectedReportData, initDataDigest []byte) (map[string]any, error) {
	ev, err := checkEvidence(evidence, expectedReportData)
	if err != nil {
		return nil, err
	}
	claims := map[string]any{
		"svn":           ev.SVN,
		"report_data":   ev.ReportData,
		"launch_digest": LaunchDigest,
		"platform_version": map[string]any{
			"major": PlatformMajorVersion,
			"minor": PlatformMinorVersion,
		},
		"debug": false,
	}
	if len(initDataDigest) > 0 {
		claims["init_data"] = base64.StdEncoding.EncodeToString(initDataDigest)
	}
	return claims, nil
}

// VerifyDevice checks sample device evidence the same way as Verify and
// returns upstream's device claims: only "svn" and "report_data".
func VerifyDevice(evidence json.RawMessage, expectedReportData []byte) (map[string]any, error) {
	ev, err := checkEvidence(evidence, expectedReportData)
	if err != nil {
		return nil, err
	}
	return map[string]any{"svn": ev.SVN, "report_data": ev.ReportData}, nil
}

func checkEvidence(evidence json.RawMessage, expectedReportData []byte) (Evidence, error) {
	if len(expectedReportData) == 0 {
		return Evidence{}, ErrNoExpectedReportData
	}
	ev, err := ParseEvidence(evidence)
	if err != nil {
		return Evidence{}, err
	}
	got, err := base64.StdEncoding.DecodeString(ev.ReportData)
	// Go's decoder skips newlines and tolerates stray trailing bits; upstream
	// does not, and the claim must be the one canonical spelling.
	if err != nil || base64.StdEncoding.EncodeToString(got) != ev.ReportData {
		return Evidence{}, fmt.Errorf("%w: report_data is not canonical standard base64", ErrMalformedEvidence)
	}
	if subtle.ConstantTimeCompare(got, expectedReportData) != 1 {
		return Evidence{}, ErrReportDataMismatch
	}
	return ev, nil
}

// ParseEvidence decodes sample evidence as upstream does: a JSON object with
// a required string "svn" and an optional string "report_data" (default "").
// Keys match exactly and other members are ignored.
func ParseEvidence(b []byte) (Evidence, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		return Evidence{}, fmt.Errorf("%w: not a JSON object", ErrMalformedEvidence)
	}
	var ev Evidence
	svn, ok := fields["svn"]
	if !ok {
		return Evidence{}, fmt.Errorf("%w: missing svn", ErrMalformedEvidence)
	}
	if err := decodeString(svn, &ev.SVN); err != nil {
		return Evidence{}, fmt.Errorf("%w: svn: %w", ErrMalformedEvidence, err)
	}
	if rd, ok := fields["report_data"]; ok {
		if err := decodeString(rd, &ev.ReportData); err != nil {
			return Evidence{}, fmt.Errorf("%w: report_data: %w", ErrMalformedEvidence, err)
		}
	}
	return ev, nil
}

// decodeString accepts a JSON string only; encoding/json would let null
// through as the empty string, which upstream refuses.
func decodeString(raw json.RawMessage, dst *string) error {
	if !bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte(`"`)) {
		return errors.New("not a string")
	}
	return json.Unmarshal(raw, dst)
}
