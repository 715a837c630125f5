// Package all compiles the hardware attesters into a guest binary: importing
// it registers the detectors of TDX, SEV-SNP and the TPM with
// attester.Default, which tries them in upstream's order (TDX, SNP, then a
// bare TPM last, since it is not bound to a TEE).
//
//	import _ "github.com/cocoon-cc/cocoon/internal/guest/attester/all"
package all

import (
	"context"
	"log/slog"
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
	"github.com/cocoon-cc/cocoon/tee/snp"
	"github.com/cocoon-cc/cocoon/tee/tdx"
	"github.com/cocoon-cc/cocoon/tee/tpm"
)

func init() {
	for _, d := range detectors() {
		attester.Register(d)
	}
}

// detectors are the detectors this package registers.
func detectors() []attester.Detector {
	return []attester.Detector{
		{
			Tee:     kbs.TeeTdx,
			Present: tdx.Present,
			Open:    func(*slog.Logger) (attester.Attester, error) { return tdx.NewAttester() },
		},
		snp.Detector(),
		{Tee: kbs.TeeTpm, Present: tpmPresent, Open: openTPM},
	}
}

// tpmPresent: a TPM named by AA_TPM_DEVICE (a device or a simulator's
// tcp:// address), else one of the usual device nodes.
func tpmPresent() bool {
	if os.Getenv(tpm.EnvDevice) != "" {
		return true
	}
	_, err := tpm.DetectDevice()
	return err == nil
}

// openTPM opens the TPM as upstream's agent configures it: AA_TPM_DEVICE,
// AA_TPM_AK_HANDLE and AAEL_PATH. Opening talks to the TPM (it creates
// the attestation key when absent); detection runs once at start-up.
func openTPM(logger *slog.Logger) (attester.Attester, error) {
	return tpm.OpenFromEnv(context.Background(), logger)
}
