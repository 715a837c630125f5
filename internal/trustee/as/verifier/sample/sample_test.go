package sample

import (
	"crypto/sha512"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier"
	"github.com/cocoon-cc/cocoon/internal/trustee/as/verifier/verifiertest"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

func reportData() []byte {
	d := sha512.Sum384([]byte(`{"nonce":"n","tee-pubkey":{}}`))
	return d[:]
}

func TestCPUConformance(t *testing.T) {
	rd := reportData()
	verifiertest.Run(t, verifiertest.Case{
		Verifier: CPU{},
		Evidence: sample.NewEvidence(sample.CPUSVN, rd),
		Expected: verifier.Expected{ReportData: rd, InitDataDigest: rd[:32]},
		Classes:  []verifier.Class{verifier.ClassCPU},
	})
}

func TestDeviceConformance(t *testing.T) {
	rd := reportData()
	verifiertest.Run(t, verifiertest.Case{
		Verifier: Device{},
		Evidence: sample.NewEvidence(sample.DeviceSVN, rd),
		Expected: verifier.Expected{ReportData: rd},
		Classes:  []verifier.Class{verifier.ClassGPU},
	})
}
