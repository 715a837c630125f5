package attestationagent

import (
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// TestUpstreamWireNames pins the names and numbers upstream's proto uses:
// they are the ttRPC paths and the protobuf wire.
func TestUpstreamWireNames(t *testing.T) {
	fd := File_attestation_agent_proto
	if fd.Package() != "attestation_agent" {
		t.Fatalf("package %q", fd.Package())
	}
	svc := fd.Services().ByName("AttestationAgentService")
	if svc == nil {
		t.Fatal("no AttestationAgentService")
	}
	methods := map[string][2]string{
		"GetEvidence":              {"GetEvidenceRequest", "GetEvidenceResponse"},
		"GetAdditionalEvidence":    {"GetAdditionalEvidenceRequest", "GetEvidenceResponse"},
		"GetToken":                 {"GetTokenRequest", "GetTokenResponse"},
		"ExtendRuntimeMeasurement": {"ExtendRuntimeMeasurementRequest", "ExtendRuntimeMeasurementResponse"},
		"BindInitData":             {"BindInitDataRequest", "BindInitDataResponse"},
		"GetTeeType":               {"GetTeeTypeRequest", "GetTeeTypeResponse"},
		"GetAdditionalTees":        {"GetAdditionalTeesRequest", "GetAdditionalTeesResponse"},
	}
	if svc.Methods().Len() != len(methods) {
		t.Fatalf("%d methods, want %d", svc.Methods().Len(), len(methods))
	}
	for name, io := range methods {
		m := svc.Methods().ByName(protoreflect.Name(name))
		if m == nil || string(m.Input().Name()) != io[0] || string(m.Output().Name()) != io[1] {
			t.Errorf("method %s: %v", name, m)
		}
	}
	fields := map[string][]string{ // "name=number"
		"GetEvidenceRequest":               {"RuntimeData=1"},
		"GetAdditionalEvidenceRequest":     {"RuntimeData=1"},
		"GetEvidenceResponse":              {"Evidence=1"},
		"GetTokenRequest":                  {"TokenType=1"},
		"GetTokenResponse":                 {"Token=1"},
		"ExtendRuntimeMeasurementRequest":  {"Domain=1", "Operation=2", "Content=3", "RegisterIndex=4"},
		"ExtendRuntimeMeasurementResponse": {"Result=1"},
		"BindInitDataRequest":              {"Digest=1"},
		"BindInitDataResponse":             nil,
		"GetTeeTypeRequest":                nil,
		"GetTeeTypeResponse":               {"tee=1"},
		"GetAdditionalTeesRequest":         nil,
		"GetAdditionalTeesResponse":        {"additional_tees=1"},
	}
	for msg, want := range fields {
		md := fd.Messages().ByName(protoreflect.Name(msg))
		if md == nil {
			t.Errorf("no message %s", msg)
			continue
		}
		var got []string
		for i := range md.Fields().Len() {
			f := md.Fields().Get(i)
			got = append(got, fmt.Sprintf("%s=%d", f.Name(), f.Number()))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s fields %v, want %v", msg, got, want)
		}
	}
	if !fd.Messages().ByName("ExtendRuntimeMeasurementRequest").Fields().ByName("RegisterIndex").HasPresence() {
		t.Error("RegisterIndex is not optional")
	}
	enum := fd.Enums().ByName("RuntimeMeasurementResult")
	for name, num := range map[string]protoreflect.EnumNumber{"OK": 0, "NOT_SUPPORTED": 1, "NOT_ENABLED": 2} {
		if v := enum.Values().ByName(protoreflect.Name(name)); v == nil || v.Number() != num {
			t.Errorf("enum value %s", name)
		}
	}
}
