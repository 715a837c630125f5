//go:build grpc

package main

import (
	"net"

	"google.golang.org/grpc"

	"github.com/cocoon-cc/cocoon/api/attestation-agent/aagrpc"
	"github.com/cocoon-cc/cocoon/internal/guest/aa"
)

// grpcBuilt says whether --grpc can serve.
const grpcBuilt = true

// serveGRPC serves the agent over gRPC on a TCP address until the
// returned stop is called; errors of the server go to errc.
func serveGRPC(addr string, service *aa.Service, errc chan<- error) (stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	aagrpc.RegisterAttestationAgentServiceServer(srv, service)
	go func() { errc <- srv.Serve(l) }()
	return srv.GracefulStop, nil
}
