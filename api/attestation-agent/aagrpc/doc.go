// Package aagrpc is the gRPC client and server code of
// attestation_agent.AttestationAgentService. It lives apart from the
// messages and the ttRPC code (package attestationagent) so that only a
// binary that speaks gRPC links gRPC: the CDH and api-server-rest call the
// agent over ttRPC alone. Regenerate with `go generate` in the parent
// directory.
package aagrpc

import pb "github.com/cocoon-cc/cocoon/api/attestation-agent"

// The generated code names the messages as if they were declared here
// (protoc-gen-go-grpc cannot place a service in another package than its
// messages); these aliases are the messages of package attestationagent.
type (
	GetEvidenceRequest               = pb.GetEvidenceRequest
	GetAdditionalEvidenceRequest     = pb.GetAdditionalEvidenceRequest
	GetEvidenceResponse              = pb.GetEvidenceResponse
	GetTokenRequest                  = pb.GetTokenRequest
	GetTokenResponse                 = pb.GetTokenResponse
	ExtendRuntimeMeasurementRequest  = pb.ExtendRuntimeMeasurementRequest
	ExtendRuntimeMeasurementResponse = pb.ExtendRuntimeMeasurementResponse
	BindInitDataRequest              = pb.BindInitDataRequest
	BindInitDataResponse             = pb.BindInitDataResponse
	GetTeeTypeRequest                = pb.GetTeeTypeRequest
	GetTeeTypeResponse               = pb.GetTeeTypeResponse
	GetAdditionalTeesRequest         = pb.GetAdditionalTeesRequest
	GetAdditionalTeesResponse        = pb.GetAdditionalTeesResponse
)
