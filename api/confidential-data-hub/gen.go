// Package confidentialdatahub holds the Confidential Data Hub's protocol
// definitions; the generated Go code lives in the cdhapi and keyprovider
// subpackages. Run "go generate" here after editing api.proto or after
// updating github.com/containers/ocicrypt.
//
// The keyprovider protocol is ocicrypt's: its messages and gRPC stubs are
// ocicrypt's own generated package, and only the ttRPC stubs the CDH
// serves are generated here, from ocicrypt's keyprovider.proto.
package confidentialdatahub

//go:generate protoc -I . --go_out=.. --go_opt=module=github.com/cocoon-cc/cocoon/api --go-ttrpc_out=.. --go-ttrpc_opt=module=github.com/cocoon-cc/cocoon/api api.proto
//go:generate sh -c "protoc -I \"$(go list -m -f '{{.Dir}}' github.com/containers/ocicrypt)/utils/keyprovider\" --go-ttrpc_out=keyprovider --go-ttrpc_opt=paths=source_relative keyprovider.proto"
