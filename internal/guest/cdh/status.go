package cdh

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Upstream's ttRPC answers, translated here and nowhere else.
const (
	errorPrefix          = "[CDH] [ERROR]: "
	unwrapParseFailedMsg = "[ERROR] UnwrapKey Parse request failed"
)

// toStatus turns a service error into the status upstream's CDH sends:
// INTERNAL "[CDH] [ERROR]: <error>", or, for an UnWrapKey request that
// does not parse, INTERNAL with upstream's fixed message.
func toStatus(err error) error {
	if errors.Is(err, errKeyProviderInput) {
		return status.Error(codes.Internal, unwrapParseFailedMsg)
	}
	return status.Error(codes.Internal, errorPrefix+err.Error())
}

// notSupported is what upstream's generated ttRPC code answers for a
// method the server does not implement: NOT_FOUND "<path> is not supported".
func notSupported(service, method string) error {
	return status.Error(codes.NotFound, "/"+service+"/"+method+" is not supported")
}
