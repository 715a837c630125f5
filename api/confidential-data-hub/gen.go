// Package confidentialdatahub holds the Confidential Data Hub's protocol
// definitions; the generated Go code lives in the cdhapi and keyprovider
// subpackages. Run "go generate" here after editing a .proto file.
package confidentialdatahub

//go:generate protoc -I . --go_out=.. --go_opt=module=github.com/cocoon-cc/cocoon/api --go-ttrpc_out=.. --go-ttrpc_opt=module=github.com/cocoon-cc/cocoon/api api.proto keyprovider.proto
