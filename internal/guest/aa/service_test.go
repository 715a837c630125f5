package aa

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/attester/attestertest"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/tee/sample"
)

func wantStatus(t *testing.T, err error, code codes.Code, msg string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != code || (msg != "" && st.Message() != msg) {
		t.Fatalf("error = %v, want %s %q", err, code, msg)
	}
}

func TestTTRPCEvidenceAndTees(t *testing.T) {
	c := client(t, serve(t, newAgent(t, Options{Primary: attester.Sample{}, Devices: []attester.Attester{attester.SampleDevice{}}})))
	rd := bytes.Repeat([]byte{0xab}, 48)

	ev, err := c.GetEvidence(t.Context(), &pb.GetEvidenceRequest{RuntimeData: rd})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sample.Verify(ev.GetEvidence(), rd, nil); err != nil {
		t.Fatalf("evidence %s does not carry the runtime data: %v", ev.GetEvidence(), err)
	}

	add, err := c.GetAdditionalEvidence(t.Context(), &pb.GetAdditionalEvidenceRequest{RuntimeData: rd})
	if err != nil {
		t.Fatal(err)
	}
	var devices map[string]json.RawMessage
	if err := json.Unmarshal(add.GetEvidence(), &devices); err != nil || len(devices) != 1 {
		t.Fatalf("additional evidence %s: %v", add.GetEvidence(), err)
	}
	if _, err := sample.VerifyDevice(devices["sampledevice"], rd); err != nil {
		t.Fatal(err)
	}

	tee, err := c.GetTeeType(t.Context(), &pb.GetTeeTypeRequest{})
	if err != nil || tee.GetTee() != "sample" {
		t.Fatalf("GetTeeType = %v, %v", tee, err)
	}
	tees, err := c.GetAdditionalTees(t.Context(), &pb.GetAdditionalTeesRequest{})
	if err != nil || !slices.Equal(tees.GetAdditionalTees(), []string{"sampledevice"}) {
		t.Fatalf("GetAdditionalTees = %v, %v", tees, err)
	}
	if _, err := c.BindInitData(t.Context(), &pb.BindInitDataRequest{Digest: make([]byte, 32)}); err != nil {
		t.Fatalf("BindInitData on a TEE without binding: %v", err)
	}
}

func TestTTRPCNoDevices(t *testing.T) {
	c := client(t, serve(t, newAgent(t, Options{Primary: attester.Sample{}})))
	add, err := c.GetAdditionalEvidence(t.Context(), &pb.GetAdditionalEvidenceRequest{RuntimeData: []byte("x")})
	if err != nil || len(add.GetEvidence()) != 0 {
		t.Fatalf("GetAdditionalEvidence = %q, %v; want empty", add.GetEvidence(), err)
	}
	tees, err := c.GetAdditionalTees(t.Context(), &pb.GetAdditionalTeesRequest{})
	if err != nil || len(tees.GetAdditionalTees()) != 0 {
		t.Fatalf("GetAdditionalTees = %v, %v", tees, err)
	}
}

func TestTTRPCGetTokenErrors(t *testing.T) {
	c := client(t, serve(t, newAgent(t, Options{Primary: attester.Sample{}})))
	for _, typ := range []string{"kbs", "coco_as", "bogus", ""} {
		_, err := c.GetToken(t.Context(), &pb.GetTokenRequest{TokenType: typ})
		wantStatus(t, err, codes.Internal, "[ERROR:attestation-agent] AA-KBC get token failed")
	}
}

func TestTTRPCBindInitDataMismatch(t *testing.T) {
	tee := &boundTEE{digest: bytes.Repeat([]byte{1}, 48)}
	c := client(t, serve(t, newAgent(t, Options{Primary: tee})))
	_, err := c.BindInitData(t.Context(), &pb.BindInitDataRequest{Digest: bytes.Repeat([]byte{2}, 48)})
	wantStatus(t, err, codes.Internal, "[ERROR:attestation-agent] AA binding init data failed")
	if _, err := c.BindInitData(t.Context(), &pb.BindInitDataRequest{Digest: bytes.Repeat([]byte{1}, 48)}); err != nil {
		t.Fatal(err)
	}
}

func TestTTRPCExtendRuntimeMeasurement(t *testing.T) {
	enabled := DefaultConfig()
	enabled.EventlogConfig.EnableEventlog = true
	req := &pb.ExtendRuntimeMeasurementRequest{Domain: "github.com/confidential-containers", Operation: "PullImage", Content: `{"image":"a", "digest":"sha256:00"}`}

	t.Run("not enabled", func(t *testing.T) {
		c := client(t, serve(t, newAgent(t, Options{Primary: attestertest.NewMeasured()})))
		res, err := c.ExtendRuntimeMeasurement(t.Context(), req)
		if err != nil || res.GetResult() != pb.RuntimeMeasurementResult_NOT_ENABLED {
			t.Fatalf("= %v, %v; want NOT_ENABLED", res, err)
		}
	})
	t.Run("not supported", func(t *testing.T) {
		c := client(t, serve(t, newAgent(t, Options{Config: enabled, Primary: attester.Sample{}})))
		res, err := c.ExtendRuntimeMeasurement(t.Context(), req)
		if err != nil || res.GetResult() != pb.RuntimeMeasurementResult_NOT_SUPPORTED {
			t.Fatalf("= %v, %v; want NOT_SUPPORTED", res, err)
		}
	})
	t.Run("ok", func(t *testing.T) {
		m, logCfg := attestertest.NewMeasured(), testEventLog(t)
		c := client(t, serve(t, newAgent(t, Options{Config: enabled, Primary: m, EventLog: logCfg})))
		res, err := c.ExtendRuntimeMeasurement(t.Context(), req)
		if err != nil || res.GetResult() != pb.RuntimeMeasurementResult_OK {
			t.Fatalf("= %v, %v; want OK", res, err)
		}
		eight := uint64(8)
		withIndex := proto.Clone(req).(*pb.ExtendRuntimeMeasurementRequest)
		withIndex.RegisterIndex = &eight
		if res, err := c.ExtendRuntimeMeasurement(t.Context(), withIndex); err != nil || res.GetResult() != pb.RuntimeMeasurementResult_OK {
			t.Fatalf("with RegisterIndex = %v, %v", res, err)
		}
		b, err := os.ReadFile(logCfg.Path)
		if err != nil {
			t.Fatal(err)
		}
		records, err := eventlog.ParseRecords(b)
		if err != nil || len(records) != 2 {
			t.Fatalf("log holds %d records, %v", len(records), err)
		}
		ev, err := records[0].AAELEvent()
		if err != nil || ev.String() != req.Domain+" "+req.Operation+" "+req.Content {
			t.Fatalf("logged %q, %v", ev.String(), err)
		}
		// PCR 17 (RTMR3) and PCR 8 (RTMR2) each moved once.
		for _, pcr := range []uint64{17, 8} {
			v, _ := m.RuntimeMeasurement(t.Context(), pcr)
			if bytes.Equal(v, make([]byte, 48)) {
				t.Errorf("register of PCR %d was not extended", pcr)
			}
		}
	})
	t.Run("bad event", func(t *testing.T) {
		c := client(t, serve(t, newAgent(t, Options{Config: enabled, Primary: attestertest.NewMeasured()})))
		bad := proto.Clone(req).(*pb.ExtendRuntimeMeasurementRequest)
		bad.Content = "two\nlines"
		_, err := c.ExtendRuntimeMeasurement(t.Context(), bad)
		wantStatus(t, err, codes.Internal, "[ERROR:attestation-agent] AA extend runtime measurement failed")
	})
}
