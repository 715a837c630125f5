package keyprovider

import (
	"context"
	"errors"
	"log/slog"

	pb "github.com/containers/ocicrypt/utils/keyprovider"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// unwrapRefusal is UnWrapKey's UNIMPLEMENTED message.
const unwrapRefusal = "UnWrapKey is the guest's job (confidential-data-hub); coco-keyprovider only wraps"

// Register serves svc as keyprovider.KeyProviderService on s, through
// ocicrypt's generated gRPC stubs: the service its client calls.
func Register(s grpc.ServiceRegistrar, svc *Service) {
	pb.RegisterKeyProviderServiceServer(s, grpcService{svc: svc})
}

// grpcService is the gRPC edge of Service.
type grpcService struct {
	pb.UnimplementedKeyProviderServiceServer
	svc *Service
}

func (g grpcService) WrapKey(ctx context.Context, in *pb.KeyProviderKeyWrapProtocolInput) (*pb.KeyProviderKeyWrapProtocolOutput, error) {
	out, err := g.svc.WrapKey(ctx, in.GetKeyProviderKeyWrapProtocolInput())
	if err != nil {
		g.svc.log.WarnContext(ctx, "WrapKey failed", slog.String("error", err.Error()))
		return nil, status.Error(grpcCode(err), err.Error())
	}
	return &pb.KeyProviderKeyWrapProtocolOutput{KeyProviderKeyWrapProtocolOutput: out}, nil
}

// UnWrapKey answers UNIMPLEMENTED, as upstream's coco_keyprovider.
func (grpcService) UnWrapKey(context.Context, *pb.KeyProviderKeyWrapProtocolInput) (*pb.KeyProviderKeyWrapProtocolOutput, error) {
	return nil, status.Error(codes.Unimplemented, unwrapRefusal)
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
