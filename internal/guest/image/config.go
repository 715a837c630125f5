package image

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// Defaults, upstream's.
const (
	DefaultWorkDir               = "/run/kata-containers/image"
	DefaultConcurrentDownloads   = 3
	defaultUnqualifiedRegistry   = "docker.io"
	annotationProviderKeyPrefix  = "org.opencontainers.image.enc.keys.provider."
	attestationAgentProviderName = "attestation-agent"
)

// Config is what cdh.toml's [image] says about pulling. URIs are kbs:///
// resource URIs, file:// URIs or absolute paths; an inline value is used
// when its URI is empty.
type Config struct {
	// WorkDir holds the layer cache; "" is DefaultWorkDir.
	WorkDir string
	// MaxConcurrentDownloads bounds parallel layer downloads; 0 is 3.
	MaxConcurrentDownloads int

	PolicyURI string
	// Policy is an inline policy.json. With neither, every image is
	// accepted, as upstream without a policy.
	Policy string

	SigstoreConfigURI string
	SigstoreConfig    string

	// CredentialsURI names an auth.json; "" pulls anonymously.
	CredentialsURI string

	RegistryConfigURI string
	// RegistryConfig inline wins over RegistryConfigURI.
	RegistryConfig *RegistryConfig

	// ExtraRootCertificates are PEM certificates trusted for registries
	// besides the system roots.
	ExtraRootCertificates []string
}

// KeyUnwrapper returns the decrypted PrivateLayerBlockCipherOptions JSON
// of an encrypted layer from its AnnotationPacket JSON: the CDH's own
// UnWrapKey, called in-process.
type KeyUnwrapper interface {
	UnwrapKey(ctx context.Context, annotationPacket []byte) ([]byte, error)
}

// Options are the puller's collaborators.
type Options struct {
	// Resources fetches kbs:/// URIs; nil makes them an error.
	Resources secret.ResourceGetter
	// Keys unwraps layer keys; nil makes encrypted layers an error.
	Keys KeyUnwrapper
	// Progress, if set, is told how each layer advances.
	Progress ProgressFunc
	// Logger; nil discards.
	Logger *slog.Logger
	// UserAgent sent to registries; "" is "cocoon-image".
	UserAgent string
}

func (c Config) workDir() string {
	if c.WorkDir == "" {
		return DefaultWorkDir
	}
	return c.WorkDir
}

func (c Config) concurrency() int {
	if c.MaxConcurrentDownloads <= 0 {
		return DefaultConcurrentDownloads
	}
	return c.MaxConcurrentDownloads
}

var errNoResources = errors.New("kbs:/// URIs need a KBS, and none is configured")
