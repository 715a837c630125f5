//go:build !grpc

package main

import "github.com/cocoon-cc/cocoon/internal/guest/aa"

// grpcBuilt says whether --grpc can serve. gRPC is left out of the
// default build: linked, it costs the agent about 3.4 MiB of RSS unused
// (docs/guest.md), and kata-agent speaks ttRPC. Upstream likewise builds
// its ttRPC and gRPC agents apart.
const grpcBuilt = false

func serveGRPC(string, *aa.Service, chan<- error) (func(), error) {
	return nil, errNoGRPC
}
