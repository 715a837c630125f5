package sample

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func digest(s string) []byte {
	d := sha512.Sum384([]byte(s))
	return d[:]
}

func TestVerifyClaims(t *testing.T) {
	rd := digest("runtime data")
	initData := digest("init data")[:32]
	claims, err := Verify(NewEvidence(CPUSVN, rd), rd, initData)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// Compare through JSON: that is how the claims reach the policy and the token.
	got, _ := json.Marshal(claims)
	want := `{"debug":false,"init_data":"` + base64.StdEncoding.EncodeToString(initData) +
		`","launch_digest":"abcde","platform_version":{"major":1,"minor":4},"report_data":"` +
		base64.StdEncoding.EncodeToString(rd) + `","svn":"1"}`
	if string(got) != want {
		t.Errorf("claims\n got %s\nwant %s", got, want)
	}
}

func TestVerifyWithoutInitDataHasNoInitDataClaim(t *testing.T) {
	rd := digest("x")
	claims, err := Verify(NewEvidence(CPUSVN, rd), rd, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, ok := claims["init_data"]; ok {
		t.Errorf("init_data claim present without init-data: %v", claims)
	}
}

func TestVerifyDeviceClaims(t *testing.T) {
	rd := digest("device")
	claims, err := VerifyDevice(NewEvidence(DeviceSVN, rd), rd)
	if err != nil {
		t.Fatalf("VerifyDevice: %v", err)
	}
	want := map[string]any{"svn": "2", "report_data": base64.StdEncoding.EncodeToString(rd)}
	if !reflect.DeepEqual(claims, want) {
		t.Errorf("claims = %v, want %v", claims, want)
	}
}

func TestVerifyRefuses(t *testing.T) {
	rd := digest("runtime data")
	padded := append(append([]byte{}, rd...), make([]byte, 16)...)
	flipped := bytes.Clone(rd)
	flipped[0] ^= 1
	tests := []struct {
		name     string
		evidence string
		expected []byte
		want     error
	}{
		{"other digest", string(NewEvidence(CPUSVN, flipped)), rd, ErrReportDataMismatch},
		{"padded digest", string(NewEvidence(CPUSVN, padded)), rd, ErrReportDataMismatch},
		{"truncated digest", string(NewEvidence(CPUSVN, rd[:32])), rd, ErrReportDataMismatch},
		{"report_data missing", `{"svn":"1"}`, rd, ErrReportDataMismatch},
		{"nothing expected", string(NewEvidence(CPUSVN, rd)), nil, ErrNoExpectedReportData},
		{"url-safe base64", `{"svn":"1","report_data":"` + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 48)) + `"}`, bytes.Repeat([]byte{0xfb}, 48), ErrMalformedEvidence},
		{"report_data with a newline", `{"svn":"1","report_data":"` + base64.StdEncoding.EncodeToString(rd)[:8] + `\n` + base64.StdEncoding.EncodeToString(rd)[8:] + `"}`, rd, ErrMalformedEvidence},
		{"report_data with trailing bits", `{"svn":"1","report_data":"AB=="}`, []byte{0}, ErrMalformedEvidence},
		{"svn missing", `{"report_data":"` + base64.StdEncoding.EncodeToString(rd) + `"}`, rd, ErrMalformedEvidence},
		{"svn a number", `{"svn":1,"report_data":"` + base64.StdEncoding.EncodeToString(rd) + `"}`, rd, ErrMalformedEvidence},
		{"svn null", `{"svn":null,"report_data":"` + base64.StdEncoding.EncodeToString(rd) + `"}`, rd, ErrMalformedEvidence},
		{"report_data null", `{"svn":"1","report_data":null}`, rd, ErrMalformedEvidence},
		{"keys differ in case", `{"SVN":"1","report_data":"` + base64.StdEncoding.EncodeToString(rd) + `"}`, rd, ErrMalformedEvidence},
		{"array", `[]`, rd, ErrMalformedEvidence},
		{"null", `null`, rd, ErrMalformedEvidence},
		{"empty", ``, rd, ErrMalformedEvidence},
		{"truncated", `{"svn":"1","report_d`, rd, ErrMalformedEvidence},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, verify := range map[string]func() (map[string]any, error){
				"cpu":    func() (map[string]any, error) { return Verify(json.RawMessage(tt.evidence), tt.expected, nil) },
				"device": func() (map[string]any, error) { return VerifyDevice(json.RawMessage(tt.evidence), tt.expected) },
			} {
				claims, err := verify()
				if !errors.Is(err, tt.want) {
					t.Errorf("%s: err = %v, want %v", name, err, tt.want)
				}
				if claims != nil {
					t.Errorf("%s: claims returned with an error: %v", name, claims)
				}
			}
		})
	}
}

func TestVerifyIgnoresUnknownMembers(t *testing.T) {
	rd := digest("r")
	ev := `{"svn":"7","report_data":"` + base64.StdEncoding.EncodeToString(rd) + `","extra":[1,2]}`
	claims, err := Verify(json.RawMessage(ev), rd, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if claims["svn"] != "7" {
		t.Errorf("svn = %v, want 7", claims["svn"])
	}
}

func FuzzSampleVerify(f *testing.F) {
	rd := digest("fuzz")
	f.Add([]byte(NewEvidence(CPUSVN, rd)))
	f.Add([]byte(`{"svn":"1"}`))
	f.Add([]byte(`{"svn":"1","report_data":"!!"}`))
	f.Add([]byte(`{"svn":null}`))
	f.Add([]byte(`[{"svn":"1"}]`))
	f.Add([]byte(`"x"`))
	f.Fuzz(func(t *testing.T, evidence []byte) {
		claims, err := Verify(evidence, rd, rd[:32])
		if err != nil {
			if claims != nil {
				t.Fatalf("claims with error %v", err)
			}
			return
		}
		// Anything accepted carries exactly the expected report data, spelt
		// the one canonical way.
		if got := claims["report_data"]; got != base64.StdEncoding.EncodeToString(rd) {
			t.Fatalf("accepted evidence with report_data %q", got)
		}
		if _, err := VerifyDevice(evidence, rd); err != nil {
			t.Fatalf("device verifier refused evidence the CPU verifier accepted: %v", err)
		}
	})
}
