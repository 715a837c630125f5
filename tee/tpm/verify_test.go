package tpm

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func rd(s string) []byte {
	d := sha512.Sum384([]byte(s))
	return d[:]
}

func mustVerify(t *testing.T, ev *Evidence, want Expected) map[string]any {
	t.Helper()
	claims, err := ev.Verify(want)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return claims
}

func TestVerifyGoodEvidence(t *testing.T) {
	for _, scheme := range []uint16{algRSASSA, algRSAPSS} {
		f := newFakeTPM(t)
		f.scheme = scheme
		ev := f.evidence(t, rd("challenge"))
		claims := mustVerify(t, ev, Expected{ReportData: rd("challenge")})
		if claims["ak_public"] != ev.AKPublic || claims["pcr11"] != ev.TPMQuote.PCRs[11] ||
			claims["init_data"] != ev.TPMQuote.PCRs[8] || claims["report_data"] != hex.EncodeToString(rd("challenge")[:32]) {
			t.Errorf("scheme %#x: claims %v", scheme, claims)
		}
	}
}

func TestVerifyRefusals(t *testing.T) {
	want := Expected{ReportData: rd("challenge")}
	cases := []struct {
		name   string
		tamper func(f *fakeTPM, ev *Evidence)
		expect Expected
		err    error
	}{
		{"stale nonce", nil, Expected{ReportData: rd("yesterday")}, ErrNonceMismatch},
		{"no expected report data", nil, Expected{}, ErrNoExpectedReportData},
		{"PCR value not the quoted one", func(_ *fakeTPM, ev *Evidence) {
			ev.TPMQuote.PCRs[11] = strings.Repeat("ab", 32)
		}, want, ErrPCRDigestMismatch},
		{"tampered signature", func(_ *fakeTPM, ev *Evidence) {
			sig, _ := base64.StdEncoding.DecodeString(ev.TPMQuote.Signature)
			sig[len(sig)-1] ^= 1
			ev.TPMQuote.Signature = base64.StdEncoding.EncodeToString(sig)
		}, want, ErrBadSignature},
		{"another AK", func(f *fakeTPM, ev *Evidence) {
			other := newFakeTPM(t)
			other.key = mustKey(t)
			ev.AKPublic = other.evidence(t, rd("challenge")).AKPublic
		}, want, ErrBadSignature},
		{"init-data not in PCR 8", nil, Expected{ReportData: rd("challenge"), InitDataDigest: make([]byte, 32)}, ErrInitDataMismatch},
		{"init-data not SHA-256", nil, Expected{ReportData: rd("challenge"), InitDataDigest: make([]byte, 48)}, ErrInitDataAlgorithm},
		{"event log not replaying to the PCR", func(f *fakeTPM, ev *Evidence) {
			e, _ := NewAAELEvent(23, AAELEntry{"d", "op", "forged"})
			log, _ := e.AppendBinary(nil)
			ev.AAEventLog = base64.StdEncoding.EncodeToString(log)
		}, want, ErrEventLogMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeTPM(t)
			ev := f.evidence(t, rd("challenge"))
			if c.tamper != nil {
				c.tamper(f, ev)
			}
			if _, err := ev.Verify(c.expect); !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
		})
	}
}

func TestVerifyInitData(t *testing.T) {
	digest := sha256.Sum256([]byte("init-data toml"))
	f := newFakeTPM(t)
	f.pcrs[InitDataPCR] = InitDataPCRValue(digest[:])
	claims := mustVerify(t, f.evidence(t, rd("c")), Expected{ReportData: rd("c"), InitDataDigest: digest[:]})
	v := InitDataPCRValue(digest[:])
	if claims["init_data"] != hex.EncodeToString(v[:]) {
		t.Errorf("init_data = %v", claims["init_data"])
	}
}

// TestUnquotedPCRsHaveNoClaims: a value the quote does not cover proves
// nothing, so it must not reach policy, nor satisfy the init-data check.
func TestUnquotedPCRsHaveNoClaims(t *testing.T) {
	f := newFakeTPM(t)
	f.selected = []int{0, 11}
	ev := f.evidence(t, rd("c"))
	claims := mustVerify(t, ev, Expected{ReportData: rd("c")})
	if _, ok := claims["pcr08"]; ok || claims["pcr11"] == nil {
		t.Errorf("claims %v: want pcr00 and pcr11 only", claims)
	}
	if _, err := ev.Verify(Expected{ReportData: rd("c"), InitDataDigest: make([]byte, 32)}); !errors.Is(err, ErrPCRNotQuoted) {
		t.Errorf("init-data with PCR 8 unquoted: err = %v, want ErrPCRNotQuoted", err)
	}
}

func TestEventLogReplayAndClaims(t *testing.T) {
	f := newFakeTPM(t)
	f.pcrs[DefaultRuntimePCR] = [32]byte{}
	for _, e := range []AAELEntry{
		{"github.com/confidential-containers", "PullImage", `{"image":"busybox","digest":"sha256:00"}`},
		{"coco.com", "note", "plain text"},
	} {
		ev, err := NewAAELEvent(DefaultRuntimePCR, e)
		if err != nil {
			t.Fatal(err)
		}
		f.extend(ev)
	}
	claims := mustVerify(t, f.evidence(t, rd("c")), Expected{ReportData: rd("c")})
	got, _ := json.Marshal(claims[ClaimEventLog])
	for _, want := range []string{`"operation":"PullImage"`, `"content":{"digest":"sha256:00","image":"busybox"}`, `"content":"plain text"`, `"index":23`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("event claims %s lack %s", got, want)
		}
	}
}

// TestAAELDigestVector is guest-components' test_event_digest vector.
func TestAAELDigestVector(t *testing.T) {
	e, err := NewAAELEvent(23, AAELEntry{"domain", "operation", "content"})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(e.Digest[:]); got != "46df8dacf00a07d34a83cdf56d7978697790787cf2ba1432ef7c38f22cd96351" {
		t.Errorf("digest %s", got)
	}
	if !strings.HasPrefix(hex.EncodeToString(e.Data), "4c45414118000000") {
		t.Errorf("tagged event %x", e.Data)
	}
	rec, _ := e.AppendBinary(nil)
	back, err := ParseEventLog(rec)
	if err != nil || len(back) != 1 || back[0].Digest != e.Digest {
		t.Errorf("round trip: %v %v", back, err)
	}
}

func TestNewAAELEventRefusesBadText(t *testing.T) {
	for _, e := range []AAELEntry{{"", "op", "c"}, {"a b", "op", "c"}, {"d", "o p", "c"}, {"d", "op", "line\nbreak"}} {
		if _, err := NewAAELEvent(23, e); err == nil {
			t.Errorf("NewAAELEvent(%q) succeeded", e)
		}
	}
}

// TestUpstreamEvidence reads trustee's deps/verifier/test_data/tpm_evidence.json:
// its quote verifies with its AK and its PCR values, and yields the claims
// upstream's parse_tee_evidence and extend_claim produce.
func TestUpstreamEvidence(t *testing.T) {
	raw, err := os.ReadFile(upstream.Path(t, "trustee/verifier/tpm_evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ParseEvidence(raw)
	if err != nil {
		t.Fatalf("ParseEvidence: %v", err)
	}
	q, err := decode(ev)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := q.checkSignature(); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := q.checkPCRDigest(); err != nil {
		t.Errorf("PCR digest: %v", err)
	}
	claims, err := q.claims()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ak_public": ev.AKPublic,
		// The attester of that time padded the report data to 64 bytes.
		"report_data": "a04182b506878d4f29b91ee606a71a0d3361ccf1b22db20c98adcaa537bea393" +
			"ef0e41a18b3569ab678f1497fbc5c12000000000000000000000000000000000",
		"init_data": strings.Repeat("0", 64),
	}
	for i, v := range ev.TPMQuote.PCRs {
		want[PCRClaim(i)] = v
	}
	gotJSON, _ := json.Marshal(claims)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("claims\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if claims["pcr17"] != strings.Repeat("f", 64) || len(claims["report_data"].(string)) != 128 {
		t.Errorf("claims pcr17 %v report_data %v", claims["pcr17"], claims["report_data"])
	}
	// Upstream now compares the nonce with the report data resized to 32
	// bytes (trustee 7c390d7a), so this 64-byte nonce no longer binds.
	nonce, _ := hex.DecodeString(want["report_data"].(string))
	if _, err := ev.Verify(Expected{ReportData: nonce}); !errors.Is(err, ErrNonceMismatch) {
		t.Errorf("Verify with its 64-byte nonce: err = %v, want ErrNonceMismatch", err)
	}
}
