// Package attestationagent is the generated Go code of the
// attestation_agent.AttestationAgentService API: its messages and the
// ttRPC client and server that the guest's attestation-agent serves and
// the CDH and api-server-rest call. The gRPC client and server are in the
// aagrpc subpackage, so that importing the messages does not link gRPC.
//
// The ttRPC names carry a TTRPC prefix (NewTTRPCAttestationAgentServiceClient,
// RegisterTTRPCAttestationAgentServiceService) so that a call site says
// which transport it uses; the wire path is
// /attestation_agent.AttestationAgentService/<Method> either way.
// Regenerate with `go generate ./api/...` (protoc, protoc-gen-go,
// protoc-gen-go-grpc and protoc-gen-go-ttrpc on PATH, e.g. $HOME/go/bin).
package attestationagent

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-ttrpc_out=. --go-ttrpc_opt=paths=source_relative,prefix=TTRPC attestation-agent.proto
//go:generate protoc --go-grpc_out=aagrpc --go-grpc_opt=paths=source_relative,require_unimplemented_servers=false,Mattestation-agent.proto=github.com/cocoon-cc/cocoon/api/attestation-agent/aagrpc;aagrpc attestation-agent.proto
