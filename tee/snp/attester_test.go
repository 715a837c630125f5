package snp_test

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/attester/attestertest"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/snp/snptest"
)

// TestAttesterWithFakeDevice: evidence from go-sev-guest's fake
// configfs-tsm provider verifies with the fake's roots only.
func TestAttesterWithFakeDevice(t *testing.T) {
	ctx := context.Background()
	g := snp.Genoa
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 5), snptest.DefaultTCB(g))
	nonce := sha512.Sum384([]byte("runtime data"))
	initData := sha512.Sum384([]byte("init-data"))
	withHostData := func(r *snp.AttestationReport) *snp.AttestationReport {
		r.HostData = snp.Regularize(initData[:], snp.HostDataSize)
		return r
	}
	a := snp.NewAttesterWith(p.QuoteProvider(t, withHostData(p.Report(3, nonce[:])), withHostData(p.Report(3, nil))))

	evidence, err := a.Evidence(ctx, nonce[:])
	if err != nil {
		t.Fatalf("Evidence: %v", err)
	}
	ev, err := snp.ParseEvidence(evidence)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, c := range ev.CertChain {
		types = append(types, c.CertType.Name)
	}
	if len(types) < 3 || types[0] != snp.CertARK || types[1] != snp.CertASK || types[2] != snp.CertVCEK {
		t.Errorf("cert chain types %v, want ARK, ASK, VCEK first", types)
	}
	want := snp.Expected{ReportData: nonce[:], InitDataDigest: initData[:]}
	if _, err := verifyAndValidate(fakeVerifier(t, p), evidence, want); err != nil {
		t.Errorf("attester's evidence refused with the fake roots: %v", err)
	}
	if _, err := verifyAndValidate(amdVerifier(t), evidence, want); !errors.Is(err, snp.ErrUntrustedEndorsementKey) {
		t.Errorf("attester's evidence with AMD's roots: err = %v, want ErrUntrustedEndorsementKey", err)
	}

	if err := a.BindInitData(ctx, initData[:]); err != nil {
		t.Errorf("BindInitData with the launch digest: %v", err)
	}
	other := sha256.Sum256([]byte("other init-data"))
	if err := a.BindInitData(ctx, other[:]); !errors.Is(err, snp.ErrHostDataMismatch) {
		t.Errorf("BindInitData with another digest: err = %v, want ErrHostDataMismatch", err)
	}
	if _, err := a.Evidence(ctx, make([]byte, 65)); !errors.Is(err, snp.ErrReportDataTooLong) {
		t.Errorf("65 bytes of report data: err = %v", err)
	}
	if _, err := a.Evidence(ctx, []byte("no report for this")); err == nil {
		t.Error("evidence without a report from the device")
	}
	if err := a.ExtendRuntimeMeasurement(ctx, nonce[:32], 17); !errors.Is(err, snp.ErrRuntimeMeasurementUnsupported) {
		t.Errorf("ExtendRuntimeMeasurement: err = %v", err)
	}
	if a.SupportsRuntimeMeasurement() || a.Tee() != kbs.TeeSnp {
		t.Error("attester claims runtime measurement or another TEE")
	}
}

// TestAttesterConformance runs the attestation-agent's attester suite on
// reports signed on demand by the fake platform; CheckBinding is Trustee's
// whole SNP check against the fake roots.
func TestAttesterConformance(t *testing.T) {
	g := snp.Milan
	p := snptest.NewPlatform(t, g, snptest.ChipID(g, 6), snptest.DefaultTCB(g))
	v := fakeVerifier(t, p)
	attestertest.Run(t, attestertest.Suite{
		New: func(t *testing.T) attester.Attester {
			return snp.NewAttesterWith(p.Quotes(t, p.Report(3, nil)))
		},
		CheckBinding: func(evidence json.RawMessage, reportData []byte) error {
			_, err := verifyAndValidate(v, evidence, snp.Expected{ReportData: reportData})
			return err
		},
	})
}

func TestDetector(t *testing.T) {
	d := snp.Detector()
	if d.Tee != kbs.TeeSnp || d.Present == nil || d.Open == nil {
		t.Errorf("detector %+v", d)
	}
	if err := attester.NewRegistry().Register(d); err != nil {
		t.Errorf("the attestation-agent's registry refuses the detector: %v", err)
	}
}
