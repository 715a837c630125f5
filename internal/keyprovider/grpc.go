package keyprovider

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/cocoon-cc/cocoon/api/confidential-data-hub/keyprovider"
)

// The gRPC names ocicrypt's client calls.
const (
	ServiceName   = "keyprovider.KeyProviderService"
	methodWrap    = "WrapKey"
	methodUnwrap  = "UnWrapKey"
	unwrapRefusal = "UnWrapKey is the guest's job (confidential-data-hub); coco-keyprovider only wraps"
)

// grpcServer is the handler type of serviceDesc.
type grpcServer interface {
	wrapKey(context.Context, *pb.KeyProviderKeyWrapProtocolInput) (*pb.KeyProviderKeyWrapProtocolOutput, error)
}

// serviceDesc is written by hand over the project's generated messages:
// api/confidential-data-hub generates ttRPC stubs only, and ocicrypt's
// own generated package registers the same proto names, so linking both
// into one binary would be a registration conflict.
var serviceDesc = grpc.ServiceDesc{
	ServiceName: ServiceName,
	HandlerType: (*grpcServer)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: methodWrap, Handler: wrapHandler},
		{MethodName: methodUnwrap, Handler: unwrapHandler},
	},
	Streams:  []grpc.StreamDesc{},
	Metadata: "keyprovider.proto",
}

// Register serves svc as keyprovider.KeyProviderService on s.
func Register(s grpc.ServiceRegistrar, svc *Service) {
	s.RegisterService(&serviceDesc, svc)
}

func (s *Service) wrapKey(ctx context.Context, in *pb.KeyProviderKeyWrapProtocolInput) (*pb.KeyProviderKeyWrapProtocolOutput, error) {
	out, err := s.WrapKey(ctx, in.GetKeyProviderKeyWrapProtocolInput())
	if err != nil {
		s.log.WarnContext(ctx, "WrapKey failed", slog.String("error", err.Error()))
		return nil, status.Error(grpcCode(err), err.Error())
	}
	return &pb.KeyProviderKeyWrapProtocolOutput{KeyProviderKeyWrapProtocolOutput: out}, nil
}

// grpcCode is the one place errors become gRPC codes.
func grpcCode(err error) codes.Code {
	switch {
	case errors.Is(err, ErrInvalidRequest):
		return codes.InvalidArgument
	case errors.Is(err, ErrRegistration):
		return codes.Unavailable
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

func wrapHandler(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	in := new(pb.KeyProviderKeyWrapProtocolInput)
	if err := dec(in); err != nil {
		return nil, err
	}
	call := func(ctx context.Context, req any) (any, error) {
		return srv.(grpcServer).wrapKey(ctx, req.(*pb.KeyProviderKeyWrapProtocolInput))
	}
	if interceptor == nil {
		return call(ctx, in)
	}
	return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + ServiceName + "/" + methodWrap}, call)
}

// unwrapHandler answers UNIMPLEMENTED, as upstream's coco_keyprovider.
func unwrapHandler(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	if err := dec(new(pb.KeyProviderKeyWrapProtocolInput)); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.Unimplemented, unwrapRefusal)
}
