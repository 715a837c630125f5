package aa

import (
	"context"
	"log/slog"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
)

// agentName prefixes error messages, as upstream's AGENT_NAME.
const agentName = "attestation-agent"

// Upstream's error messages. The cause is logged, never sent: callers get
// the same opaque text as from the Rust agent.
const (
	msgEvidence    = "[ERROR:" + agentName + "] AA-KBC get evidence failed"
	msgToken       = "[ERROR:" + agentName + "] AA-KBC get token failed"
	msgMeasurement = "[ERROR:" + agentName + "] AA extend runtime measurement failed"
	msgBind        = "[ERROR:" + agentName + "] AA binding init data failed"
)

// Service serves an Agent as attestation_agent.AttestationAgentService.
// Its methods are both the ttRPC and the gRPC service's; gRPC is
// registered by the command that serves it (aagrpc), so that this package
// does not link gRPC into every guest binary.
type Service struct {
	agent  *Agent
	logger *slog.Logger
}

var _ pb.TTRPCAttestationAgentServiceService = (*Service)(nil)

// NewService wraps agent.
func NewService(agent *Agent) *Service {
	return &Service{agent: agent, logger: agent.logger}
}

// RegisterTTRPC registers the service on a ttRPC server.
func (s *Service) RegisterTTRPC(srv *ttrpc.Server) {
	pb.RegisterTTRPCAttestationAgentServiceService(srv, s)
}

// failed logs the cause and returns upstream's INTERNAL status.
func (s *Service) failed(ctx context.Context, method, msg string, err error) error {
	s.logger.ErrorContext(ctx, "request failed", "method", method, "error", err)
	return status.Error(codes.Internal, msg)
}

// GetEvidence returns the primary evidence for RuntimeData.
func (s *Service) GetEvidence(ctx context.Context, req *pb.GetEvidenceRequest) (*pb.GetEvidenceResponse, error) {
	ev, err := s.agent.Evidence(ctx, req.GetRuntimeData())
	if err != nil {
		return nil, s.failed(ctx, "GetEvidence", msgEvidence, err)
	}
	return &pb.GetEvidenceResponse{Evidence: ev}, nil
}

// GetAdditionalEvidence returns the devices' evidence, empty without devices.
func (s *Service) GetAdditionalEvidence(ctx context.Context, req *pb.GetAdditionalEvidenceRequest) (*pb.GetEvidenceResponse, error) {
	ev, err := s.agent.AdditionalEvidence(ctx, req.GetRuntimeData())
	if err != nil {
		return nil, s.failed(ctx, "GetAdditionalEvidence", msgEvidence, err)
	}
	return &pb.GetEvidenceResponse{Evidence: ev}, nil
}

// RejectedTokenMetadata is the ttRPC request metadata key by which
// Cocoon's CDH, asking GetToken again after a KBS answered 401, names the
// refused token: the hex SHA-256 of its JWT. Upstream's CDH never sends
// it and upstream's agent, which caches nothing, ignores it.
const RejectedTokenMetadata = "cocoon-token-rejected"

// GetToken returns a token of TokenType; a RejectedTokenMetadata naming
// the cached "kbs" token makes the agent attest again.
func (s *Service) GetToken(ctx context.Context, req *pb.GetTokenRequest) (*pb.GetTokenResponse, error) {
	rejected, _ := ttrpc.GetMetadataValue(ctx, RejectedTokenMetadata)
	token, err := s.agent.TokenReplacing(ctx, req.GetTokenType(), rejected)
	if err != nil {
		return nil, s.failed(ctx, "GetToken", msgToken, err)
	}
	return &pb.GetTokenResponse{Token: token}, nil
}

// ExtendRuntimeMeasurement records an AAEL event.
func (s *Service) ExtendRuntimeMeasurement(ctx context.Context, req *pb.ExtendRuntimeMeasurementRequest) (*pb.ExtendRuntimeMeasurementResponse, error) {
	res, err := s.agent.ExtendRuntimeMeasurement(ctx, req.GetDomain(), req.GetOperation(), req.GetContent(), req.RegisterIndex)
	if err != nil {
		return nil, s.failed(ctx, "ExtendRuntimeMeasurement", msgMeasurement, err)
	}
	return &pb.ExtendRuntimeMeasurementResponse{Result: pb.RuntimeMeasurementResult(res)}, nil
}

// BindInitData binds Digest to the TEE. Upstream's ttRPC server leaves it
// unimplemented (NOT_FOUND); we answer as its gRPC server does.
func (s *Service) BindInitData(ctx context.Context, req *pb.BindInitDataRequest) (*pb.BindInitDataResponse, error) {
	if err := s.agent.BindInitData(ctx, req.GetDigest()); err != nil {
		return nil, s.failed(ctx, "BindInitData", msgBind, err)
	}
	return &pb.BindInitDataResponse{}, nil
}

// GetTeeType names the primary TEE.
func (s *Service) GetTeeType(context.Context, *pb.GetTeeTypeRequest) (*pb.GetTeeTypeResponse, error) {
	return &pb.GetTeeTypeResponse{Tee: string(s.agent.TeeType())}, nil
}

// GetAdditionalTees names the additional devices.
func (s *Service) GetAdditionalTees(context.Context, *pb.GetAdditionalTeesRequest) (*pb.GetAdditionalTeesResponse, error) {
	return &pb.GetAdditionalTeesResponse{AdditionalTees: s.agent.AdditionalTees()}, nil
}
