package snp_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

// TestUpstreamEvidenceRoundTrip decodes the evidence of upstream's e2e test
// and encodes it back: the JSON is the same, but for the v5 mitigation
// vectors the current sev crate writes as null and this older attester
// did not write at all.
func TestUpstreamEvidenceRoundTrip(t *testing.T) {
	in := upstream.Read(t, e2eEvidence)
	ev, err := snp.ParseEvidence(in)
	if err != nil {
		t.Fatalf("ParseEvidence: %v", err)
	}
	r := ev.AttestationReport
	if r.Version != 3 || *r.CPUIDFamID != 0x19 || *r.CPUIDModID != 0xA0 || r.ReportedTCB.SNP != 23 || r.ReportedTCB.Microcode != 25 {
		t.Errorf("decoded report: version %d cpuid %#x/%#x tcb %+v", r.Version, *r.CPUIDFamID, *r.CPUIDModID, r.ReportedTCB)
	}
	if len(ev.CertChain) != 1 || ev.CertChain[0].CertType.Name != snp.CertVCEK {
		t.Fatalf("cert chain: %+v", ev.CertChain)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(bytes.TrimSpace(in)), `,"signature":`, `,"launch_mit_vector":null,"current_mit_vector":null,"signature":`, 1)
	if string(out) != want {
		t.Errorf("re-encoded evidence differs\n got %s\nwant %s", out, want)
	}
}

// TestReportBinaryRoundTrip converts reports of every version and
// generation to the ABI and back.
func TestReportBinaryRoundTrip(t *testing.T) {
	for _, g := range snp.Generations {
		p := snptest.NewPlatform(t, g, snptest.ChipID(g, 1), snptest.DefaultTCB(g))
		for version := uint32(2); version <= 5; version++ {
			r := p.Report(version, []byte("nonce"))
			p.Sign(t, r)
			raw, err := r.MarshalBinary()
			if err != nil {
				t.Fatalf("%v v%d: MarshalBinary: %v", g, version, err)
			}
			back, err := snp.ParseReport(raw)
			if err != nil {
				t.Fatalf("%v v%d: ParseReport: %v", g, version, err)
			}
			if !reflect.DeepEqual(back, r) {
				t.Errorf("%v v%d: round trip differs\n got %+v\nwant %+v", g, version, back, r)
			}
		}
	}
}

// TestReportLayouts checks where the fields that differ by version and
// generation land in the ABI report.
func TestReportLayouts(t *testing.T) {
	for _, tc := range []struct {
		g       snp.Generation
		version uint32
		tcb     string // reported TCB bytes at 0x180
		cpuid   string // bytes at 0x188
		mit     string // bytes at 0x1F8
	}{
		{snp.Milan, 2, "0400000000001 6d5", "000000", "0000000000000000"},
		{snp.Genoa, 3, "0400000000001 6d5", "191101", "0000000000000000"},
		{snp.Genoa, 4, "0400000000001 6d5", "191101", "0000000000000000"},
		{snp.Turin, 5, "0104001 6000000d5", "1a0200", "0100000000000000"},
	} {
		p := snptest.NewPlatform(t, tc.g, snptest.ChipID(tc.g, 1), snptest.DefaultTCB(tc.g))
		raw, err := p.Report(tc.version, nil).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, off int, want string) {
			want = strings.ReplaceAll(want, " ", "")
			if got := hex.EncodeToString(raw[off : off+len(want)/2]); got != want {
				t.Errorf("%v v%d %s at %#x = %s, want %s", tc.g, tc.version, what, off, got, want)
			}
		}
		check("reported TCB", 0x180, tc.tcb)
		check("CPUID", 0x188, tc.cpuid)
		check("launch mitigation vector", 0x1F8, tc.mit)
	}
}

func TestParseUpstreamMilanReport(t *testing.T) {
	r, err := snp.ParseReport(upstream.Read(t, milanReport))
	if err != nil {
		t.Fatalf("ParseReport: %v", err)
	}
	if r.Version != 2 || r.CPUIDFamID != nil || r.ReportedTCB != (snp.TcbVersion{Bootloader: 3, SNP: 8, Microcode: 115}) {
		t.Errorf("report: version %d, cpuid %v, reported TCB %+v", r.Version, r.CPUIDFamID, r.ReportedTCB)
	}
}

func TestParseEvidenceRefuses(t *testing.T) {
	good := string(upstream.Read(t, e2eEvidence))
	for _, tc := range []struct{ name, evidence string }{
		{"not an object", `[]`},
		{"null", `null`},
		{"no report", `{"cert_chain":null}`},
		{"report null", `{"attestation_report":null}`},
		{"missing member", strings.Replace(good, `"guest_svn":0,`, ``, 1)},
		{"null member", strings.Replace(good, `"vmpl":0`, `"vmpl":null`, 1)},
		{"byte out of range", strings.Replace(good, `"family_id":[0,`, `"family_id":[256,`, 1)},
		{"negative byte", strings.Replace(good, `"family_id":[0,`, `"family_id":[-1,`, 1)},
		{"fractional byte", strings.Replace(good, `"family_id":[0,`, `"family_id":[0.5,`, 1)},
		{"base64 bytes", strings.Replace(good, `"family_id":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]`, `"family_id":"AAAAAAAAAAAAAAAAAAAAAA=="`, 1)},
		{"short array", strings.Replace(good, `"family_id":[0,`, `"family_id":[`, 1)},
		{"long array", strings.Replace(good, `"family_id":[0,`, `"family_id":[0,0,`, 1)},
		{"tcb out of range", strings.Replace(good, `"bootloader":10`, `"bootloader":300`, 1)},
		{"tcb member missing", strings.Replace(good, `"tee":0,`, ``, 1)},
		{"version 1", strings.Replace(good, `"version":3`, `"version":1`, 1)},
		{"version 6", strings.Replace(good, `"version":3`, `"version":6`, 1)},
		{"unknown processor", strings.Replace(good, `"cpuid_fam_id":25`, `"cpuid_fam_id":23`, 1)},
		{"v3 without cpuid", strings.Replace(good, `"cpuid_fam_id":25`, `"cpuid_fam_id":null`, 1)},
		{"unknown cert type", strings.Replace(good, `"cert_type":"VCEK"`, `"cert_type":"vcek"`, 1)},
		{"bad OTHER guid", strings.Replace(good, `"cert_type":"VCEK"`, `"cert_type":{"OTHER":"x"}`, 1)},
		{"cert data missing", strings.Replace(good, `"cert_type":"VCEK","data"`, `"cert_type":"VCEK","blob"`, 1)},
	} {
		if _, err := snp.ParseEvidence([]byte(tc.evidence)); !errors.Is(err, snp.ErrMalformedEvidence) {
			t.Errorf("%s: err = %v, want ErrMalformedEvidence", tc.name, err)
		}
	}
}

func TestCertTypeJSON(t *testing.T) {
	for _, s := range []string{`"ARK"`, `"ASK"`, `"VCEK"`, `"VLEK"`, `"CRL"`, `"Empty"`, `{"OTHER":"ecae0c0f-9502-43b1-afa2-0ae2e0d565b6"}`} {
		var ct snp.CertType
		if err := json.Unmarshal([]byte(s), &ct); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		back, err := json.Marshal(ct)
		if err != nil || string(back) != s {
			t.Errorf("%s re-encodes as %s (%v)", s, back, err)
		}
	}
}

func TestParseEvidenceIgnoresUnknownMembers(t *testing.T) {
	good := string(upstream.Read(t, e2eEvidence))
	ev := strings.Replace(good, `{"attestation_report":{`, `{"extra":1,"attestation_report":{"future_field":[1,2],`, 1)
	if _, err := snp.ParseEvidence([]byte(ev)); err != nil {
		t.Errorf("ParseEvidence: %v", err)
	}
}
