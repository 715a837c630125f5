package all

import (
	"crypto/sha512"
	"io"
	"log/slog"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/testutil/swtpm"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

// The TPM AA_TPM_DEVICE names, here a real swtpm on loopback, is detected
// as the primary attester (this machine has no TDX or SNP), and its
// evidence verifies.
func TestDetectsTheTPMOfAATPMDevice(t *testing.T) {
	t.Setenv(tpm.EnvDevice, swtpm.Start(t).Device())
	t.Setenv(tpm.EnvEventLogPath, "")
	a, err := attester.Default.DetectPrimary(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := a.(io.Closer); ok {
		t.Cleanup(func() { _ = c.Close() })
	}
	if a.Tee() != kbs.TeeTpm {
		t.Fatalf("detected %s, want tpm", a.Tee())
	}
	rd := sha512.Sum384([]byte("challenge"))
	evidence, err := a.Evidence(t.Context(), rd[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpm.Verify(evidence, tpm.Expected{ReportData: rd[:]}); err != nil {
		t.Fatalf("evidence of the detected TPM: %v", err)
	}
	// No TPM device next to the TDX attester: its evidence would not be bound to the TD.
	devices, err := attester.Default.DetectDevices(slog.New(slog.DiscardHandler), kbs.TeeTdx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		if d.Tee() == kbs.TeeTpm {
			t.Error("the TPM was added as a device of a TDX guest")
		}
	}
}

func TestRegistersTheHardwareTEEs(t *testing.T) {
	teeNames := map[kbs.Tee]bool{}
	for _, d := range detectors() {
		teeNames[d.Tee] = true
	}
	for _, tee := range []kbs.Tee{kbs.TeeTdx, kbs.TeeSnp, kbs.TeeTpm} {
		if !teeNames[tee] {
			t.Errorf("no detector for %s", tee)
		}
	}
	// init registered them: registering again is refused as a duplicate.
	for _, d := range detectors() {
		if err := attester.Default.Register(d); err == nil {
			t.Errorf("%s was not registered by init", d.Tee)
		}
	}
}
