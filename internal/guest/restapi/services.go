package restapi

import (
	"context"

	"github.com/containerd/ttrpc"

	pb "github.com/cocoon-cc/cocoon/api/attestation-agent"
	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
)

// Attestation is what the /info and /aa routes ask of the
// attestation-agent: the AA's ttRPC client (AAClient) or, in one process,
// the AA service itself.
type Attestation interface {
	GetEvidence(context.Context, *pb.GetEvidenceRequest) (*pb.GetEvidenceResponse, error)
	GetAdditionalEvidence(context.Context, *pb.GetAdditionalEvidenceRequest) (*pb.GetEvidenceResponse, error)
	GetToken(context.Context, *pb.GetTokenRequest) (*pb.GetTokenResponse, error)
	ExtendRuntimeMeasurement(context.Context, *pb.ExtendRuntimeMeasurementRequest) (*pb.ExtendRuntimeMeasurementResponse, error)
	GetTeeType(context.Context, *pb.GetTeeTypeRequest) (*pb.GetTeeTypeResponse, error)
	GetAdditionalTees(context.Context, *pb.GetAdditionalTeesRequest) (*pb.GetAdditionalTeesResponse, error)
}

// Resources is what the /cdh routes ask of the confidential-data-hub.
type Resources = cdhapi.GetResourceServiceService

// AAClient calls the attestation-agent over ttRPC.
type AAClient struct{ conn *conn }

var _ Attestation = (*AAClient)(nil)

// NewAAClient returns a client of the agent at a unix:///path address; it
// connects on the first call.
func NewAAClient(addr string) (*AAClient, error) {
	c, err := newConn("Attestation Agent", addr)
	if err != nil {
		return nil, err
	}
	return &AAClient{conn: c}, nil
}

// Close closes the connection.
func (a *AAClient) Close() error { return a.conn.Close() }

func agentClient(c *ttrpc.Client) pb.TTRPCAttestationAgentServiceService {
	return pb.NewTTRPCAttestationAgentServiceClient(c)
}

// GetEvidence calls the agent's GetEvidence.
func (a *AAClient) GetEvidence(ctx context.Context, req *pb.GetEvidenceRequest) (*pb.GetEvidenceResponse, error) {
	return call(ctx, a.conn, func(ctx context.Context, c *ttrpc.Client) (*pb.GetEvidenceResponse, error) {
		return agentClient(c).GetEvidence(ctx, req)
	})
}

// GetAdditionalEvidence calls the agent's GetAdditionalEvidence.
func (a *AAClient) GetAdditionalEvidence(ctx context.Context, req *pb.GetAdditionalEvidenceRequest) (*pb.GetEvidenceResponse, error) {
	return call(ctx, a.conn, func(ctx context.Context, c *ttrpc.Client) (*pb.GetEvidenceResponse, error) {
		return agentClient(c).GetAdditionalEvidence(ctx, req)
	})
}

// GetToken calls the agent's GetToken.
func (a *AAClient) GetToken(ctx context.Context, req *pb.GetTokenRequest) (*pb.GetTokenResponse, error) {
	return call(ctx, a.conn, func(ctx context.Context, c *ttrpc.Client) (*pb.GetTokenResponse, error) {
		return agentClient(c).GetToken(ctx, req)
	})
}

// ExtendRuntimeMeasurement calls the agent's ExtendRuntimeMeasurement.
func (a *AAClient) ExtendRuntimeMeasurement(ctx context.Context, req *pb.ExtendRuntimeMeasurementRequest) (*pb.ExtendRuntimeMeasurementResponse, error) {
	return call(ctx, a.conn, func(ctx context.Context, c *ttrpc.Client) (*pb.ExtendRuntimeMeasurementResponse, error) {
		return agentClient(c).ExtendRuntimeMeasurement(ctx, req)
	})
}

// GetTeeType calls the agent's GetTeeType.
func (a *AAClient) GetTeeType(ctx context.Context, req *pb.GetTeeTypeRequest) (*pb.GetTeeTypeResponse, error) {
	return call(ctx, a.conn, func(ctx context.Context, c *ttrpc.Client) (*pb.GetTeeTypeResponse, error) {
		return agentClient(c).GetTeeType(ctx, req)
	})
}

// GetAdditionalTees calls the agent's GetAdditionalTees.
func (a *AAClient) GetAdditionalTees(ctx context.Context, req *pb.GetAdditionalTeesRequest) (*pb.GetAdditionalTeesResponse, error) {
	return call(ctx, a.conn, func(ctx context.Context, c *ttrpc.Client) (*pb.GetAdditionalTeesResponse, error) {
		return agentClient(c).GetAdditionalTees(ctx, req)
	})
}

// CDHClient calls the confidential-data-hub's GetResourceService over ttRPC.
type CDHClient struct{ conn *conn }

var _ Resources = (*CDHClient)(nil)

// NewCDHClient returns a client of the CDH at a unix:///path address; it
// connects on the first call.
func NewCDHClient(addr string) (*CDHClient, error) {
	c, err := newConn("CDH", addr)
	if err != nil {
		return nil, err
	}
	return &CDHClient{conn: c}, nil
}

// Close closes the connection.
func (d *CDHClient) Close() error { return d.conn.Close() }

// GetResource calls the CDH's GetResource.
func (d *CDHClient) GetResource(ctx context.Context, req *cdhapi.GetResourceRequest) (*cdhapi.GetResourceResponse, error) {
	return call(ctx, d.conn, func(ctx context.Context, c *ttrpc.Client) (*cdhapi.GetResourceResponse, error) {
		return cdhapi.NewGetResourceServiceClient(c).GetResource(ctx, req)
	})
}
