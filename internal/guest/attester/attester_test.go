package attester_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/attester/attestertest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

func TestSampleConformance(t *testing.T) {
	attestertest.Run(t, attestertest.Suite{
		New: func(*testing.T) attester.Attester { return attester.Sample{} },
		CheckBinding: func(ev json.RawMessage, rd []byte) error {
			_, err := sample.Verify(ev, rd, nil)
			return err
		},
	})
}

func TestSampleDeviceConformance(t *testing.T) {
	attestertest.Run(t, attestertest.Suite{
		New: func(*testing.T) attester.Attester { return attester.SampleDevice{} },
		CheckBinding: func(ev json.RawMessage, rd []byte) error {
			_, err := sample.VerifyDevice(ev, rd)
			return err
		},
	})
}

func TestMeasuredConformance(t *testing.T) {
	attestertest.Run(t, attestertest.Suite{
		New: func(*testing.T) attester.Attester { return attestertest.NewMeasured() },
		CheckBinding: func(ev json.RawMessage, rd []byte) error {
			_, err := sample.Verify(ev, rd, nil)
			return err
		},
	})
}

// TestSampleEvidenceShape pins upstream's exact JSON: svn "1" and the report
// data in standard base64, not padded to any report size.
func TestSampleEvidenceShape(t *testing.T) {
	rd := []byte{0xfb, 0xff, 0x00, 0x01, 0x02}
	for _, tc := range []struct {
		a    attester.Attester
		want string
	}{
		{attester.Sample{}, `{"svn":"1","report_data":"+/8AAQI="}`},
		{attester.SampleDevice{}, `{"svn":"2","report_data":"+/8AAQI="}`},
	} {
		ev, err := tc.a.Evidence(t.Context(), rd)
		if err != nil {
			t.Fatal(err)
		}
		if string(ev) != tc.want {
			t.Errorf("%s evidence = %s, want %s", tc.a.Tee(), ev, tc.want)
		}
	}
}

func TestSampleBindInitDataUnsupported(t *testing.T) {
	if err := (attester.Sample{}).BindInitData(t.Context(), make([]byte, 48)); !errors.Is(err, attester.ErrUnsupported) {
		t.Fatalf("BindInitData = %v, want ErrUnsupported", err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// fake registers a detector that reports present and opens an attester
// named tee, recording the order detectors are asked in.
func fake(t *testing.T, r *attester.Registry, tee kbs.Tee, present bool, asked *[]kbs.Tee) {
	t.Helper()
	err := r.Register(attester.Detector{
		Tee: tee,
		Present: func() bool {
			*asked = append(*asked, tee)
			return present
		},
		Open: func(*slog.Logger) (attester.Attester, error) { return namedTee{tee: tee}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
}

// namedTee is the sample attester under another TEE's name.
type namedTee struct {
	attester.Sample
	tee kbs.Tee
}

func (n namedTee) Tee() kbs.Tee { return n.tee }

// upstreamPrimaryOrder is detect_tee_type's order.
var upstreamPrimaryOrder = []kbs.Tee{
	kbs.TeeTdx, kbs.TeeSgx, kbs.TeeAzTdxVtpm, kbs.TeeAzSnpVtpm, kbs.TeeSnp,
	kbs.TeeCsv, kbs.TeeCca, kbs.TeeSe, kbs.TeeTpm,
}

func TestDetectPrimaryOrder(t *testing.T) {
	// Every TEE present: the first in upstream's order wins, and those
	// after it are not even probed.
	for i, winner := range upstreamPrimaryOrder {
		r := attester.NewRegistry()
		var asked []kbs.Tee
		for j, tee := range upstreamPrimaryOrder {
			fake(t, r, tee, j >= i, &asked)
		}
		a, err := r.DetectPrimary(discard())
		if err != nil {
			t.Fatal(err)
		}
		if a.Tee() != winner {
			t.Errorf("detected %q, want %q", a.Tee(), winner)
		}
		if !slices.Equal(asked, upstreamPrimaryOrder[:i+1]) {
			t.Errorf("probed %v, want %v", asked, upstreamPrimaryOrder[:i+1])
		}
	}
}

func TestDetectPrimaryFallsBackToSample(t *testing.T) {
	r := attester.NewRegistry()
	var asked []kbs.Tee
	fake(t, r, kbs.TeeTdx, false, &asked)
	a, err := r.DetectPrimary(discard())
	if err != nil {
		t.Fatal(err)
	}
	if a.Tee() != kbs.TeeSample {
		t.Fatalf("detected %q, want sample", a.Tee())
	}
}

func TestDetectPrimaryOpenError(t *testing.T) {
	r := attester.NewRegistry()
	boom := errors.New("no quote provider")
	err := r.Register(attester.Detector{
		Tee:     kbs.TeeSnp,
		Present: func() bool { return true },
		Open:    func(*slog.Logger) (attester.Attester, error) { return nil, boom },
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.DetectPrimary(discard()); !errors.Is(err, boom) {
		t.Fatalf("DetectPrimary = %v, want the Open error", err)
	}
}

func TestDetectDevices(t *testing.T) {
	t.Run("sample device by environment", func(t *testing.T) {
		t.Setenv(attester.EnableSampleDeviceEnv, "")
		devices, err := attester.NewRegistry().DetectDevices(discard(), kbs.TeeSample)
		if err != nil {
			t.Fatal(err)
		}
		if len(devices) != 1 || devices[0].Tee() != kbs.TeeSampleDevice {
			t.Fatalf("devices = %v, want [sampledevice]", devices)
		}
	})
	t.Run("none without the environment", func(t *testing.T) {
		devices, err := attester.NewRegistry().DetectDevices(discard(), kbs.TeeSample)
		if err != nil {
			t.Fatal(err)
		}
		if len(devices) != 0 {
			t.Fatalf("devices = %v, want none", devices)
		}
	})
	t.Run("order and the TPM rule", func(t *testing.T) {
		t.Setenv(attester.EnableSampleDeviceEnv, "1")
		for _, tc := range []struct {
			name    string
			primary kbs.Tee
			withTdx bool
			want    []kbs.Tee
		}{
			{"tpm is a device", kbs.TeeSnp, false, []kbs.Tee{kbs.TeeNvidia, kbs.TeeSampleDevice, kbs.TeeHygonDcu, kbs.TeeTpm}},
			{"not when it is the primary", kbs.TeeTpm, false, []kbs.Tee{kbs.TeeNvidia, kbs.TeeSampleDevice, kbs.TeeHygonDcu}},
			{"not with a tdx attester built in", kbs.TeeSample, true, []kbs.Tee{kbs.TeeNvidia, kbs.TeeSampleDevice, kbs.TeeHygonDcu}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := attester.NewRegistry()
				var asked []kbs.Tee
				for _, tee := range []kbs.Tee{kbs.TeeTpm, kbs.TeeHygonDcu, kbs.TeeNvidia} {
					fake(t, r, tee, true, &asked)
				}
				if tc.withTdx {
					fake(t, r, kbs.TeeTdx, false, &asked)
				}
				devices, err := r.DetectDevices(discard(), tc.primary)
				if err != nil {
					t.Fatal(err)
				}
				var got []kbs.Tee
				for _, d := range devices {
					got = append(got, d.Tee())
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("devices = %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestRegisterRefuses(t *testing.T) {
	r := attester.NewRegistry()
	ok := attester.Detector{
		Tee:     kbs.TeeTdx,
		Present: func() bool { return false },
		Open:    func(*slog.Logger) (attester.Attester, error) { return nil, nil },
	}
	if err := r.Register(ok); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]attester.Detector{
		"duplicate":       ok,
		"sample fallback": {Tee: kbs.TeeSample, Present: ok.Present, Open: ok.Open},
		"sample device":   {Tee: kbs.TeeSampleDevice, Present: ok.Present, Open: ok.Open},
		"unknown":         {Tee: "quantum", Present: ok.Present, Open: ok.Open},
		"no Present":      {Tee: kbs.TeeSnp, Open: ok.Open},
		"no Open":         {Tee: kbs.TeeSnp, Present: ok.Present},
	} {
		if err := r.Register(d); !errors.Is(err, attester.ErrInvalidDetector) {
			t.Errorf("%s: Register = %v, want ErrInvalidDetector", name, err)
		}
	}
}
