package nvidia_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
	"github.com/cocoon-cc/cocoon/tee/nvidia"
)

// FuzzParseReport: any bytes parse or fail with an error; a parsed
// report's signed part and signature lie within the input.
func FuzzParseReport(f *testing.F) {
	// Short seeds (whole 4 KB reports stall Go's mutator): the vector's
	// request and response header, and a small well-formed report.
	report := vectorReportBytes(f)
	f.Add(report[:nvidia.RequestSize+8])
	f.Add(smallReport(f))
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

// smallReport is a well-formed report with one measurement block and the
// opaque items the verifier needs, cut from the vector's fields.
func smallReport(t testing.TB) []byte {
	t.Helper()
	r, err := nvidia.ParseReport(vectorReportBytes(t), nvidia.HopperSignatureSize)
	if err != nil {
		t.Fatal(err)
	}
	block := r.Response.Blocks[1]
	measurement := binary.LittleEndian.AppendUint16([]byte{block.ValueType}, uint16(len(block.Value)))
	measurement = append(measurement, block.Value...)
	record := binary.LittleEndian.AppendUint16([]byte{block.Index, block.Specification}, uint16(len(measurement)))
	record = append(record, measurement...)
	item := func(typ uint16, data []byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, typ)
		return append(binary.LittleEndian.AppendUint16(b, uint16(len(data))), data...)
	}
	opaque := append(item(3, []byte("550.90.07\x00")), item(6, []byte{0, 0x9f, 0, 0x96, 1, 0, 0, 0})...)
	opaque = append(opaque, item(20, mustHex(t, vectorFWID))...)
	opaque = append(opaque, item(12, []byte{1, 0, 0, 0})...)

	out := append([]byte{}, r.Signed[:nvidia.RequestSize]...)
	out = append(out, r.Response.Version, r.Response.Code, r.Response.Param1, r.Response.Param2, 1,
		byte(len(record)), byte(len(record)>>8), byte(len(record)>>16))
	out = append(out, record...)
	out = append(out, r.Response.Nonce[:]...)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(opaque)))
	out = append(out, opaque...)
	return append(out, make([]byte, nvidia.HopperSignatureSize)...)
}

// TestSmallReportParses keeps the fuzz seed well-formed.
func TestSmallReportParses(t *testing.T) {
	r, err := nvidia.ParseReport(smallReport(t), nvidia.HopperSignatureSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Response.Blocks) != 1 || r.Response.Opaque[nvidia.OpaqueFWID] != vectorFWID {
		t.Errorf("small report = %+v", r.Response)
	}
}
