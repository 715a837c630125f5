package cdh

import (
	"context"
	"log/slog"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// ttRPC service names, upstream's.
const (
	sealedSecretService = "api.SealedSecretService"
	getResourceService  = "api.GetResourceService"
	secureMountService  = "api.SecureMountService"
	imagePullService    = "api.ImagePullService"
	keyProviderService  = "keyprovider.KeyProviderService"
)

// Service implements the CDH's ttRPC services. Errors are logged here and
// answered with upstream's status; logs never carry secrets or keys.
type Service struct {
	resources secret.ResourceGetter
	unsealer  *secret.Unsealer
	images    *imagePull
	log       *slog.Logger
}

var (
	_ cdhapi.SealedSecretServiceService = (*Service)(nil)
	_ cdhapi.GetResourceServiceService  = (*Service)(nil)
	_ cdhapi.SecureMountServiceService  = (*Service)(nil)
	_ cdhapi.ImagePullServiceService    = (*Service)(nil)
)

// ServiceOptions configures NewService.
type ServiceOptions struct {
	// Resources fetches from the KBS (KBS or OfflineFS). Required.
	Resources secret.ResourceGetter
	// SealedSecretKeyDir holds local verification keys; "" is upstream's
	// /run/confidential-containers/cdh/sealed-secret.
	SealedSecretKeyDir string
	// SkipSealedSecretVerification is cdh.toml's
	// skip_sealed_secret_verification.
	SkipSealedSecretVerification bool
	// Image is cdh.toml's [image] for PullImage; nil is upstream's defaults.
	Image *ImageConfig
	// AASocket is the attestation-agent PullImage records events with;
	// "" records none.
	AASocket string
	// Logger; nil discards.
	Logger *slog.Logger
}

// NewService returns the CDH services.
func NewService(o ServiceOptions) *Service {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		resources: o.Resources,
		unsealer: &secret.Unsealer{
			Resources:        o.Resources,
			KeyDir:           o.SealedSecretKeyDir,
			SkipVerification: o.SkipSealedSecretVerification,
		},
		images: &imagePull{
			cfg:       o.Image,
			resources: o.Resources,
			measurer:  &aaMeasurer{socket: o.AASocket, log: log},
			log:       log,
		},
		log: log,
	}
}

// GetResource fetches the resource a resource URI names.
func (s *Service) GetResource(ctx context.Context, req *cdhapi.GetResourceRequest) (*cdhapi.GetResourceResponse, error) {
	uri, err := resourceuri.Parse(req.GetResourcePath())
	if err != nil {
		return nil, s.fail(ctx, "GetResource", err)
	}
	data, err := s.resources.GetResource(ctx, uri)
	if err != nil {
		return nil, s.fail(ctx, "GetResource", err)
	}
	s.log.InfoContext(ctx, "resource fetched", "uri", uri.String())
	return &cdhapi.GetResourceResponse{Resource: data}, nil
}

// UnsealSecret verifies and reveals a sealed secret.
func (s *Service) UnsealSecret(ctx context.Context, req *cdhapi.UnsealSecretInput) (*cdhapi.UnsealSecretOutput, error) {
	plain, err := s.unsealer.Unseal(ctx, req.GetSecret())
	if err != nil {
		return nil, s.fail(ctx, "UnsealSecret", err)
	}
	return &cdhapi.UnsealSecretOutput{Plaintext: plain}, nil
}

// UnWrapKey answers an ocicrypt keyunwrap request (the JSON that
// KeyProviderKeyWrapProtocolInput carries) with the layer key options
// unwrapped from its AnnotationPacket, as keyunwrapresults JSON.
func (s *Service) UnWrapKey(ctx context.Context, request []byte) ([]byte, error) {
	packetJSON, err := parseUnwrapRequest(request)
	if err != nil {
		return nil, s.fail(ctx, "UnWrapKey", err)
	}
	packet, err := ParseAnnotationPacket(packetJSON)
	if err != nil {
		return nil, s.fail(ctx, "UnWrapKey", err)
	}
	optsdata, err := packet.Unwrap(ctx, s.resources)
	if err != nil {
		return nil, s.fail(ctx, "UnWrapKey", err)
	}
	defer clear(optsdata)
	return unwrapReply(optsdata), nil
}

// SecureMount is not implemented yet.
func (s *Service) SecureMount(context.Context, *cdhapi.SecureMountRequest) (*cdhapi.SecureMountResponse, error) {
	return nil, notSupported(secureMountService, "SecureMount")
}

func (s *Service) fail(ctx context.Context, method string, err error) error {
	s.log.WarnContext(ctx, "request failed", "method", method, "error", err)
	return toStatus(err)
}
