package tdx_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/ccel"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tdx/tdxtest"
)

var (
	_ attester.Attester = (*tdx.Attester)(nil)
	_ eventlog.Register = (*tdx.Attester)(nil)
)

// fakeTD is an attester on the fixture's fake platform whose TD has body;
// its AAEL file holds one record and RTMR3 matches it.
func fakeTD(t *testing.T, f *fixture, body tdx.Body) *tdx.Attester {
	t.Helper()
	log, rtmr3 := aaelLog(t)
	body.RTMRs[3] = rtmr3
	dir := t.TempDir()
	aael := filepath.Join(dir, "eventlog")
	// The AAEL file holds the records only: strip ELHeader and end marker.
	if err := os.WriteFile(aael, log[len(ccel.ELHeader):len(log)-len(ccel.EndMarker)], 0o600); err != nil {
		t.Fatal(err)
	}
	return &tdx.Attester{
		TSM:             f.platform.TSM(tdx.QuoteV4, body),
		CCELPath:        filepath.Join(dir, "no-ccel"),
		AAELPath:        aael,
		MeasurementsDir: filepath.Join(dir, "no-measurements"),
	}
}

func TestAttesterEvidenceVerifies(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	a := fakeTD(t, f, tdxtest.DefaultBody())
	ev, err := a.Evidence(context.Background(), f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := f.appraise(ev, nil)
	if err != nil {
		t.Fatalf("verifier refused the attester's evidence: %v", err)
	}
	if logs := claims["uefi_event_logs"].([]any); len(logs) != 1 {
		t.Errorf("uefi_event_logs = %v, want the AAEL event", logs)
	}
	f.appraiser.Roots = intelRoot(t)
	if _, err := f.appraise(ev, nil); !errors.Is(err, tdx.ErrUntrustedChain) {
		t.Fatalf("under Intel's root: err = %v", err)
	}
	if _, err := a.Evidence(context.Background(), make([]byte, 65)); err == nil {
		t.Error("65 bytes of report data accepted")
	}
}

func TestAttesterAppendsAAELToCCEL(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	a := fakeTD(t, f, tdxtest.DefaultBody())
	a.CCELPath = filepath.Join(t.TempDir(), "CCEL")
	table := upstream.Read(t, "trustee/eventlog/CCEL_data")
	if err := os.WriteFile(a.CCELPath, table, 0o600); err != nil {
		t.Fatal(err)
	}
	ev, err := a.Evidence(context.Background(), f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	var parsed tdx.Evidence
	if err := json.Unmarshal(ev, &parsed); err != nil || parsed.CCEventlog == nil {
		t.Fatalf("evidence %s: %v", ev, err)
	}
	raw, err := base64.StdEncoding.DecodeString(*parsed.CCEventlog)
	if err != nil {
		t.Fatal(err)
	}
	log, err := ccel.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	firmware, err := ccel.Parse(table)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Events) != len(firmware.Events)+1 || log.Events[len(log.Events)-1].Type != ccel.EvEventTag {
		t.Fatalf("%d events, want the firmware's %d and the AAEL record", len(log.Events), len(firmware.Events))
	}
}

func TestAttesterEvidenceWithoutLog(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	a := fakeTD(t, f, tdxtest.DefaultBody())
	a.AAELPath = filepath.Join(t.TempDir(), "none")
	ev, err := a.Evidence(context.Background(), f.nonce)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ev, []byte(`"cc_eventlog":null`)) {
		t.Errorf("evidence %s, want cc_eventlog null", ev)
	}
}

func TestAttesterInitData(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	digest := bytes.Repeat([]byte{0x5a}, 32)
	body := tdxtest.DefaultBody()
	copy(body.MRConfigID[:], digest)
	a := fakeTD(t, f, body)
	ctx := context.Background()
	if err := a.BindInitData(ctx, digest); err != nil {
		t.Fatalf("MRCONFIGID from a quote: %v", err)
	}
	if err := a.BindInitData(ctx, bytes.Repeat([]byte{0x5b}, 32)); !errors.Is(err, tdx.ErrInitDataMismatch) {
		t.Fatalf("other digest: err = %v", err)
	}
	a.MeasurementsDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(a.MeasurementsDir, "mrconfigid"), tdx.Regularize(digest, 48), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.BindInitData(ctx, digest); err != nil {
		t.Fatalf("MRCONFIGID from sysfs: %v", err)
	}
}

func TestAttesterRuntimeMeasurement(t *testing.T) {
	f := newFixture(t, tdxtest.CollateralOptions{})
	a := fakeTD(t, f, tdxtest.DefaultBody())
	ctx := context.Background()
	digest := bytes.Repeat([]byte{1}, 48)
	if a.SupportsRuntimeMeasurement() {
		t.Fatal("runtime measurement claimed without sysfs")
	}
	if err := a.ExtendRuntimeMeasurement(ctx, digest, 17); !errors.Is(err, attester.ErrUnsupported) {
		t.Fatalf("extend without sysfs: err = %v", err)
	}
	if rtmr, err := a.RuntimeMeasurement(ctx, 17); err != nil || len(rtmr) != 48 {
		t.Fatalf("RTMR3 from a quote = %x, %v", rtmr, err)
	}
	a.MeasurementsDir = t.TempDir()
	if err := a.ExtendRuntimeMeasurement(ctx, digest, 17); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(a.MeasurementsDir, "rtmr3:sha384")); err != nil || !bytes.Equal(got, digest) {
		t.Fatalf("rtmr3:sha384 = %x, %v", got, err)
	}
	for pcr, want := range map[uint64]uint32{0: 4, 1: 1, 7: 1, 2: 2, 6: 2, 8: 3, 15: 3, 17: 4} {
		if got := a.MeasurementRegisterIndex(pcr); got != want {
			t.Errorf("PCR %d -> CCMR %d, want %d", pcr, got, want)
		}
	}
}
