package cdh

import (
	"context"

	"github.com/containerd/ttrpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// registerKeyProvider serves ocicrypt's keyprovider.KeyProviderService on
// srv. Its two messages, ocicrypt's KeyProviderKeyWrapProtocolInput and
// Output, are each one bytes field numbered 1: on the wire exactly
// google.protobuf.BytesValue, which is decoded and answered here instead.
// ocicrypt's generated package holds its gRPC stubs beside the messages,
// and importing it would link gRPC (7 MB) into the CDH, which speaks only
// ttRPC. Clients use api/confidential-data-hub/keyprovider.
func registerKeyProvider(srv *ttrpc.Server, s *Service) {
	srv.RegisterService(keyProviderService, &ttrpc.ServiceDesc{
		Methods: map[string]ttrpc.Method{
			"UnWrapKey": func(ctx context.Context, unmarshal func(any) error) (any, error) {
				var in wrapperspb.BytesValue
				if err := unmarshal(&in); err != nil {
					return nil, err
				}
				out, err := s.UnWrapKey(ctx, in.GetValue())
				if err != nil {
					return nil, err
				}
				return wrapperspb.Bytes(out), nil
			},
			// WrapKey is not a CDH operation, as upstream.
			"WrapKey": func(context.Context, func(any) error) (any, error) {
				return nil, notSupported(keyProviderService, "WrapKey")
			},
		},
	})
}
