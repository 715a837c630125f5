package cdh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cocoon-cc/cocoon/api/confidential-data-hub/cdhapi"
	"github.com/cocoon-cc/cocoon/internal/guest/image"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// imagePull is PullImage's state: the puller, built on the first call as
// upstream builds its image client lazily, and where events are measured.
type imagePull struct {
	cfg       *ImageConfig
	resources secret.ResourceGetter
	measurer  *aaMeasurer
	log       *slog.Logger

	once   sync.Once
	puller *image.Puller
	err    error
}

// PullImage pulls image_url into bundle_path/rootfs with config.json and
// answers the manifest digest, then records the pull in the AAEL.
func (s *Service) PullImage(ctx context.Context, req *cdhapi.ImagePullRequest) (*cdhapi.ImagePullResponse, error) {
	if req.GetImageUrl() == "" || req.GetBundlePath() == "" {
		return nil, s.fail(ctx, "PullImage", errors.New("image_url and bundle_path are required"))
	}
	puller, err := s.images.get()
	if err != nil {
		return nil, s.fail(ctx, "PullImage", err)
	}
	d, err := puller.Pull(ctx, req.GetImageUrl(), req.GetBundlePath())
	if err != nil {
		return nil, s.fail(ctx, "PullImage", err)
	}
	s.images.measurer.pulled(ctx, req.GetImageUrl(), d.String())
	return &cdhapi.ImagePullResponse{ManifestDigest: d.String()}, nil
}

func (ip *imagePull) get() (*image.Puller, error) {
	ip.once.Do(func() {
		cfg, err := toImageConfig(ip.cfg)
		if err != nil {
			ip.err = err
			return
		}
		if ip.cfg != nil && ip.cfg.ImagePullProxy != nil {
			ip.log.Warn("[image] image_pull_proxy is not supported; registries are reached directly")
		}
		ip.puller, ip.err = image.NewPuller(cfg, image.Options{
			Resources: ip.resources,
			Keys:      keyUnwrapper{ip.resources},
			Logger:    ip.log,
			UserAgent: "cocoon-confidential-data-hub",
		})
	})
	return ip.puller, ip.err
}

// keyUnwrapper is UnWrapKey in-process: the AnnotationPacket's KEK comes
// from the KBS.
type keyUnwrapper struct{ resources secret.ResourceGetter }

func (k keyUnwrapper) UnwrapKey(ctx context.Context, packetJSON []byte) ([]byte, error) {
	packet, err := ParseAnnotationPacket(packetJSON)
	if err != nil {
		return nil, err
	}
	return packet.Unwrap(ctx, k.resources)
}

// NewKeyUnwrapper returns the CDH's AnnotationPacket unwrapping for
// image.Options.Keys, for tools that pull outside the CDH.
func NewKeyUnwrapper(resources secret.ResourceGetter) image.KeyUnwrapper {
	return keyUnwrapper{resources}
}

// toImageConfig maps cdh.toml's [image] onto the puller's configuration.
func toImageConfig(c *ImageConfig) (image.Config, error) {
	if c == nil {
		return image.Config{}, nil
	}
	cfg := image.Config{
		WorkDir:                c.WorkDir,
		MaxConcurrentDownloads: c.MaxConcurrentLayerDownloads,
		PolicyURI:              c.ImageSecurityPolicyURI,
		Policy:                 c.ImageSecurityPolicy,
		SigstoreConfigURI:      c.SigstoreConfigURI,
		SigstoreConfig:         c.SigstoreConfig,
		CredentialsURI:         c.AuthenticatedRegistryCredentialsURI,
		RegistryConfigURI:      c.RegistryConfigurationURI,
		ExtraRootCertificates:  c.ExtraRootCertificates,
	}
	if rc := c.RegistryConfig; rc != nil {
		cfg.RegistryConfig = &image.RegistryConfig{UnqualifiedSearchRegistries: rc.UnqualifiedSearchRegistries}
		for _, r := range rc.Registry {
			reg := image.Registry{Prefix: r.Prefix, Location: r.Location, Insecure: r.Insecure, Blocked: r.Blocked}
			for _, m := range r.Mirror {
				reg.Mirror = append(reg.Mirror, image.Mirror{Location: m.Location, Insecure: m.Insecure})
			}
			cfg.RegistryConfig.Registry = append(cfg.RegistryConfig.Registry, reg)
		}
		if err := cfg.RegistryConfig.Validate(); err != nil {
			return image.Config{}, fmt.Errorf("[image.registry_config]: %w", err)
		}
	}
	return cfg, nil
}
