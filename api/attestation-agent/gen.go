// Package attestationagent is the generated Go code of the
// attestation_agent.AttestationAgentService API (ttRPC and gRPC) that the
// guest's attestation-agent serves and CDH and api-server-rest call.
//
// The ttRPC names carry a TTRPC prefix (NewTTRPCAttestationAgentServiceClient,
// RegisterTTRPCAttestationAgentServiceService) so that they do not clash with
// the gRPC ones; the wire path is /attestation_agent.AttestationAgentService/<Method>
// either way. Regenerate with `go generate ./api/...` (protoc, protoc-gen-go,
// protoc-gen-go-grpc and protoc-gen-go-ttrpc on PATH, e.g. $HOME/go/bin).
package attestationagent

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative --go-ttrpc_out=. --go-ttrpc_opt=paths=source_relative,prefix=TTRPC attestation-agent.proto
