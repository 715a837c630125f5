package tdx_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/ccel"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

// fixture is a fake platform with its collateral and an appraiser trusting it.
type fixture struct {
	platform  *tdxtest.Platform
	appraiser *tdx.Appraiser
	nonce     []byte
}

func newFixture(t testing.TB, o tdxtest.CollateralOptions) *fixture {
	t.Helper()
	p, err := tdxtest.NewPlatform()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := p.Collateral(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tdxtest.WriteCollateralDir(dir, raw); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return tdxtest.CollateralTime }
	nonce := sha512.Sum384([]byte("runtime data"))
	return &fixture{
		platform: p,
		appraiser: &tdx.Appraiser{
			Roots:      p.Roots(),
			Collateral: &tdx.CollateralCache{Source: tdx.CollateralDir(dir), Roots: p.Roots(), Now: now},
			Now:        now,
		},
		nonce: nonce[:],
	}
}

// evidence returns evidence for body bound to the fixture's nonce.
func (f *fixture) evidence(t testing.TB, version uint16, body tdx.Body, eventlog []byte) ([]byte, []byte) {
	t.Helper()
	copy(body.ReportData[:], f.nonce)
	q, err := f.platform.Quote(version, body)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := tdx.NewEvidence(q, eventlog)
	if err != nil {
		t.Fatal(err)
	}
	return ev, q
}

func (f *fixture) appraise(ev []byte, initData []byte) (map[string]any, error) {
	return f.appraiser.Appraise(context.Background(), ev, tdx.Expected{ReportData: f.nonce, InitDataDigest: initData})
}

// aaelLog is an event log of one AAEL event and the RTMR3 it replays to.
func aaelLog(t testing.TB) ([]byte, [48]byte) {
	t.Helper()
	text := []byte("github.com/confidential-containers PullImage busybox")
	tagged := binary.LittleEndian.AppendUint32([]byte("LEAA"), uint32(len(text)))
	tagged = append(tagged, text...)
	digest := sha512.Sum384(tagged)
	rec := binary.LittleEndian.AppendUint32(nil, 4)
	rec = binary.LittleEndian.AppendUint32(rec, uint32(ccel.EvEventTag))
	rec = binary.LittleEndian.AppendUint32(rec, 1)
	rec = binary.LittleEndian.AppendUint16(rec, uint16(ccel.AlgSHA384))
	rec = append(rec, digest[:]...)
	rec = binary.LittleEndian.AppendUint32(rec, uint32(len(tagged)))
	rec = append(rec, tagged...)
	log, err := ccel.Build(nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	return log, sha512.Sum384(append(make([]byte, 48), digest[:]...))
}

func TestAppraiseFakePlatform(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	log, rtmr3 := aaelLog(t)
	body := tdxtest.DefaultBody()
	body.RTMRs[3] = rtmr3
	tdx15 := tdxtest.DefaultBody()
	tdx15.TeeTCBSVN2 = make([]byte, 16)
	tdx15.MRServiceTD = make([]byte, 48)
	cases := []struct {
		name     string
		version  uint16
		body     tdx.Body
		eventlog []byte
	}{
		{"v4", tdx.QuoteV4, body, log},
		{"v5 TDX 1.0", tdx.QuoteV5, body, nil},
		{"v5 TDX 1.5", tdx.QuoteV5, tdx15, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, _ := f.evidence(t, c.version, c.body, c.eventlog)
			claims, err := f.appraise(ev, nil)
			if err != nil {
				t.Fatal(err)
			}
			if claims["tcb_status"] != "UpToDate" || claims["collateral_expiration_status"] != "0" {
				t.Errorf("tcb_status %v, collateral_expiration_status %v", claims["tcb_status"], claims["collateral_expiration_status"])
			}
			if claims["td_attributes"].(map[string]any)["debug"] != false {
				t.Error("debug claimed for a production TD")
			}
			if claims["platform_instance_id"] != "548d228d94d5e204a4955b354dc61a02" {
				t.Errorf("platform_instance_id = %v", claims["platform_instance_id"])
			}
			_, hasLog := claims["uefi_event_logs"]
			if hasLog != (c.eventlog != nil) {
				t.Errorf("uefi_event_logs present = %t", hasLog)
			}
		})
	}
}

func TestAppraiseRefuses(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	log, rtmr3 := aaelLog(t)
	body := tdxtest.DefaultBody()
	body.RTMRs[3] = rtmr3
	body.MRConfigID[0] = 0xAB
	_, quote := f.evidence(t, tdx.QuoteV4, body, nil)
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0x01
		return b
	}
	chainAt := bytes.Index(quote, []byte("-----BEGIN CERTIFICATE-----")) + 300
	tamperedLog := flip(log, len(ccel.ELHeader)+14) // a byte of the logged digest
	cases := []struct {
		name     string
		quote    []byte
		eventlog []byte
		initData []byte
		nonce    []byte
		want     error
	}{
		{"signed body byte", flip(quote, 48+200), log, nil, nil, tdx.ErrBadSignature},
		{"header byte", flip(quote, 30), log, nil, nil, tdx.ErrBadSignature},
		{"signature byte", flip(quote, 632+4+10), log, nil, nil, tdx.ErrBadSignature},
		{"PCK chain byte", flip(quote, chainAt), log, nil, nil, tdx.ErrUntrustedChain},
		{"other nonce", quote, log, nil, flip(f.nonce, 0), tdx.ErrReportDataMismatch},
		{"init-data mismatch", quote, log, []byte{0xAC}, nil, tdx.ErrInitDataMismatch},
		{"tampered event log", quote, tamperedLog, nil, nil, ccel.ErrReplayMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := tdx.NewEvidence(c.quote, c.eventlog)
			if err != nil {
				t.Fatal(err)
			}
			nonce := f.nonce
			if c.nonce != nil {
				nonce = c.nonce
			}
			_, err = f.appraiser.Appraise(context.Background(), ev, tdx.Expected{ReportData: nonce, InitDataDigest: c.initData})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	t.Run("matching init-data accepted", func(t *testing.T) {
		ev, err := tdx.NewEvidence(quote, log)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.appraise(ev, []byte{0xAB}); err != nil {
			t.Fatal(err)
		}
	})
}

// intelRoot is the root of upstream's real quote, which
// TestIntelRootIsGoTdxGuests proves is the Intel SGX Root CA.
func intelRoot(t testing.TB) *x509.CertPool {
	t.Helper()
	q, err := tdx.ParseQuote(upstream.Read(t, "trustee/verifier/tdx_quote_4.dat"))
	if err != nil {
		t.Fatal(err)
	}
	pck, err := tdx.ParsePCKChain(q.PCKChain)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(pck.Root)
	return pool
}

func TestFakeQuoteRefusedUnderIntelRoot(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	f.appraiser.Roots = intelRoot(t)
	ev, _ := f.evidence(t, tdx.QuoteV4, tdxtest.DefaultBody(), nil)
	if _, err := f.appraise(ev, nil); !errors.Is(err, tdx.ErrUntrustedChain) {
		t.Fatalf("fake quote under Intel's root: err = %v", err)
	}
}

func TestDebugTDSurfaced(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	body := tdxtest.DefaultBody()
	body.TDAttributes[0] |= 1
	ev, _ := f.evidence(t, tdx.QuoteV4, body, nil)
	claims, err := f.appraise(ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if claims["td_attributes"].(map[string]any)["debug"] != true {
		t.Fatal("debug TD not surfaced")
	}
}

func TestTCBStatuses(t *testing.T) {
	cases := []struct {
		o          tdxtest.CollateralOptions
		wantStatus string
		wantExpiry string
		wantErr    error
	}{
		{tdxtest.CollateralOptions{Status: "OutOfDate", AdvisoryIDs: []string{"INTEL-SA-00837"}}, "OutOfDate", "0", nil},
		{tdxtest.CollateralOptions{Status: "SWHardeningNeeded"}, "SWHardeningNeeded", "0", nil},
		{tdxtest.CollateralOptions{IssueDate: tdxtest.CollateralTime.Add(-60 * 24 * time.Hour)}, "UpToDate", "1", nil},
		{tdxtest.CollateralOptions{Status: "Revoked"}, "", "", tdx.ErrTCB},
	}
	for _, c := range cases {
		t.Run(c.o.Status+c.wantExpiry, func(t *testing.T) {
			f := newFixture(t, c.o)
			ev, _ := f.evidence(t, tdx.QuoteV4, tdxtest.DefaultBody(), nil)
			claims, err := f.appraise(ev, nil)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if claims["tcb_status"] != c.wantStatus || claims["collateral_expiration_status"] != c.wantExpiry {
				t.Errorf("tcb_status %v expiry %v, want %s %s", claims["tcb_status"], claims["collateral_expiration_status"], c.wantStatus, c.wantExpiry)
			}
			if c.o.AdvisoryIDs != nil && len(claims["advisory_ids"].([]any)) != len(c.o.AdvisoryIDs) {
				t.Errorf("advisory_ids = %v", claims["advisory_ids"])
			}
		})
	}
}

func TestCollateralOfAnotherSignerRefused(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	other, err := tdxtest.NewPlatform()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := other.Collateral(tdxtest.CollateralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tdxtest.WriteCollateralDir(dir, raw); err != nil {
		t.Fatal(err)
	}
	f.appraiser.Collateral = &tdx.CollateralCache{Source: tdx.CollateralDir(dir), Roots: f.platform.Roots()}
	ev, _ := f.evidence(t, tdx.QuoteV4, tdxtest.DefaultBody(), nil)
	if _, err := f.appraise(ev, nil); !errors.Is(err, tdx.ErrCollateral) {
		t.Fatalf("err = %v, want ErrCollateral", err)
	}
}

// upstreamQuoteTime lies within the validity of upstream's PCK chains.
var upstreamQuoteTime = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
