// Package attester collects TEE evidence inside the guest: one Attester per
// TEE, detected in upstream guest-components' order. Only the sample TEE
// and the sample device live here; hardware attesters (tdx, snp, tpm, ...)
// live in their own packages and join through Register.
package attester

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// ErrUnsupported is returned by BindInitData and ExtendRuntimeMeasurement
// when the TEE has no such capability. Callers branch on it: an
// unsupported init-data binding is logged and start-up goes on.
var ErrUnsupported = errors.New("attester: not supported by this TEE")

// Attester produces the evidence of one TEE (or attestable device).
//
// An Attester whose SupportsRuntimeMeasurement is true also implements
// eventlog.Register, so that the attestation-agent can keep the AAEL event
// log of the registers it extends.
type Attester interface {
	// Tee is the kbs-types name of the TEE, e.g. "tdx" or "sample".
	Tee() kbs.Tee
	// Evidence returns the TEE's evidence JSON carrying reportData, in the
	// shape upstream's attester of the same TEE produces.
	Evidence(ctx context.Context, reportData []byte) (json.RawMessage, error)
	// BindInitData checks or records the init-data digest in the TEE
	// (TDX MRCONFIGID, SNP HOSTDATA, a vTPM PCR 8 extend). It returns
	// ErrUnsupported where the TEE has no binding and another error when
	// the TEE is bound to a different digest.
	BindInitData(ctx context.Context, digest []byte) error
	// ExtendRuntimeMeasurement extends the register for PCR index with
	// digest, or returns ErrUnsupported.
	ExtendRuntimeMeasurement(ctx context.Context, digest []byte, index uint64) error
	// SupportsRuntimeMeasurement reports whether ExtendRuntimeMeasurement works.
	SupportsRuntimeMeasurement() bool
}
