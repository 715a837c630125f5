// Package keyprovider is ocicrypt's key-provider protocol over ttRPC, as
// the Confidential Data Hub serves it (/keyprovider.KeyProviderService/
// UnWrapKey), wire-compatible with guest-components'
// protos/confidential-data-hub/keyprovider.proto.
//
// The messages are ocicrypt's generated types
// (github.com/containers/ocicrypt/utils/keyprovider), which also hold the
// protocol's gRPC stubs; only the ttRPC stubs, which ocicrypt lacks, are
// generated here. A second generated copy of the messages would register
// keyprovider.proto twice, and the protobuf runtime panics at start in any
// binary linking both.
//
// ocicrypt's package imports google.golang.org/grpc, so importing this one
// links gRPC; the CDH server itself registers the service without it (see
// internal/guest/cdh).
package keyprovider

import ocicrypt "github.com/containers/ocicrypt/utils/keyprovider"

// The protocol's messages: each carries one JSON document of ocicrypt's
// keyprovider protocol as bytes field 1.
type (
	KeyProviderKeyWrapProtocolInput  = ocicrypt.KeyProviderKeyWrapProtocolInput
	KeyProviderKeyWrapProtocolOutput = ocicrypt.KeyProviderKeyWrapProtocolOutput
)
