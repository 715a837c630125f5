package nvidia_test

import (
	"context"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// FuzzParseReport: any bytes parse or fail with an error; a parsed
// report's signed part and signature lie within the input.
func FuzzParseReport(f *testing.F) {
	report := vectorReportBytes(f)
	f.Add(report)
	f.Add(report[:nvidia.RequestSize+8])
	f.Add(report[:len(report)/2])
	// Header, first measurement block and a small opaque tail: short
	// seeds the mutator can work on.
	f.Add(append(report[:nvidia.RequestSize+8+4+3+48:nvidia.RequestSize+8+4+3+48], make([]byte, 32+2+96)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := nvidia.ParseReport(b, nvidia.HopperSignatureSize)
		if err != nil {
			return
		}
		if len(r.Signed)+len(r.Response.Signature) > len(b) || len(r.Response.Signature) != nvidia.HopperSignatureSize {
			t.Fatalf("signed %d + signature %d bytes out of %d", len(r.Signed), len(r.Response.Signature), len(b))
		}
	})
}

// FuzzVerifyEvidence runs the evidence JSON through parsing and local
// verification under the vector's root: errors, never panics.
func FuzzVerifyEvidence(f *testing.F) {
	v := newVerifier(f, vectorRoot(f))
	good := vectorDevice(f, vectorReportBytes(f), upstream.Read(f, vectorChain))
	f.Add([]byte(`{"device_evidence_list":[{"arch":"HOPPER","uuid":"u","evidence":"11e0","certificate":"AA=="}]}`))
	f.Add([]byte(`{"device_evidence_list":[{"arch":"Hopper","evidence":"EeA=","certificate":""}]}`))
	f.Add([]byte(`{"device_evidence_list":[]}`))
	f.Add([]byte(`{"device_evidence_list":[{"arch":"LS10","evidence":"","certificate":"","uuid":null}]}`))
	f.Add([]byte(`{"device_evidence_list":[{"arch":"Hopper","evidence":"` + good.Evidence[:200] + `","certificate":"` + good.Certificate[:120] + `"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := nvidia.ParseEvidence(b)
		if err != nil {
			return
		}
		for _, d := range ev.Devices {
			_, _ = v.VerifyDevice(context.Background(), d)
		}
	})
}
