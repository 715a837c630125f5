package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/docker/reference"
	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
)

// registryFiles are the files containers/image is pointed at so that it
// reads nothing of the host's configuration: a certificate directory with
// the extra roots, and an empty registries.conf and empty registries.d
// directories (registry configuration is applied by Candidates instead).
type registryFiles struct {
	certDir    string
	emptyConf  string
	emptyConfD string
}

func newRegistryFiles(dir string, extraRoots []string) (registryFiles, error) {
	f := registryFiles{
		certDir:    filepath.Join(dir, "certs"),
		emptyConf:  filepath.Join(dir, "empty", "registries.conf"),
		emptyConfD: filepath.Join(dir, "empty", "registries.d"),
	}
	if err := os.RemoveAll(dir); err != nil {
		return f, err
	}
	for _, d := range []string{f.certDir, f.emptyConfD} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return f, err
		}
	}
	if err := os.WriteFile(f.emptyConf, nil, 0o600); err != nil {
		return f, err
	}
	if len(extraRoots) == 0 {
		return f, nil
	}
	pem := strings.Join(extraRoots, "\n")
	if err := os.WriteFile(filepath.Join(f.certDir, "extra-roots.crt"), []byte(pem), 0o600); err != nil {
		return f, fmt.Errorf("extra root certificates: %w", err)
	}
	return f, nil
}

// systemContext is containers/image's configuration for one candidate.
func (p *Puller) systemContext(c Candidate, creds *Credentials) *types.SystemContext {
	auth := creds.For(c.Ref)
	sys := &types.SystemContext{
		DockerCertPath:              p.files.certDir,
		SystemRegistriesConfPath:    p.files.emptyConf,
		SystemRegistriesConfDirPath: p.files.emptyConfD,
		RegistriesDirPath:           p.files.emptyConfD,
		DockerAuthConfig:            &auth,
		DockerRegistryUserAgent:     p.userAgent(),
		OSChoice:                    "linux",
	}
	if c.Insecure {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	}
	return sys
}

// openSource opens the docker transport for ref; a reference with both a
// tag and a digest is pulled by its digest.
func openSource(ctx context.Context, sys *types.SystemContext, ref reference.Named) (types.ImageSource, error) {
	if d, ok := ref.(reference.Digested); ok {
		if _, tagged := ref.(reference.Tagged); tagged {
			var err error
			if ref, err = reference.WithDigest(reference.TrimNamed(ref), d.Digest()); err != nil {
				return nil, err
			}
		}
	}
	ir, err := docker.NewReference(ref)
	if err != nil {
		return nil, err
	}
	return ir.NewImageSource(ctx, sys)
}

// isNotFound reports a registry's "manifest unknown".
func isNotFound(err error) bool {
	var coder errcode.ErrorCoder
	if errors.As(err, &coder) && coder.ErrorCode() == v2.ErrorCodeManifestUnknown {
		return true
	}
	var e errcode.Error
	return errors.As(err, &e) && strings.Contains(strings.ToLower(e.Message), "not found")
}

// fetchSmallBlob reads a whole blob of at most limit bytes and checks its
// digest.
func fetchSmallBlob(ctx context.Context, src types.ImageSource, info types.BlobInfo, limit int64) ([]byte, error) {
	if info.Size > limit {
		return nil, fmt.Errorf("blob %s: %d bytes, more than %d", info.Digest, info.Size, limit)
	}
	rc, _, err := src.GetBlob(ctx, info, none.NoCache)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }() // read-only stream, checked by digest
	v, err := newDigestReader(rc, info.Digest, info.Size)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(v, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("blob %s: more than %d bytes", info.Digest, limit)
	}
	if err := v.verify(); err != nil {
		return nil, err
	}
	return b, nil
}

func (p *Puller) userAgent() string {
	if p.opts.UserAgent != "" {
		return p.opts.UserAgent
	}
	return "cocoon-image"
}
