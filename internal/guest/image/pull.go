package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/containers/image/v5/docker/reference"
	"github.com/opencontainers/go-digest"
)

// Puller pulls images into bundles. It is safe for concurrent use.
type Puller struct {
	cfg   Config
	opts  Options
	log   *slog.Logger
	cache layerCache
	files registryFiles
}

// NewPuller prepares the work directory: the layer cache and the files
// containers/image is pointed at.
func NewPuller(cfg Config, opts Options) (*Puller, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	work := cfg.workDir()
	cache, err := newLayerCache(filepath.Join(work, "layers"))
	if err != nil {
		return nil, err
	}
	files, err := newRegistryFiles(filepath.Join(work, "registry"), cfg.ExtraRootCertificates)
	if err != nil {
		return nil, fmt.Errorf("image work directory: %w", err)
	}
	return &Puller{cfg: cfg, opts: opts, log: log, cache: cache, files: files}, nil
}

// Pull pulls imageURL into bundlePath (rootfs/ and config.json) and
// returns the manifest digest. The candidates of the registry
// configuration are tried in order; the errors of all are returned when
// none succeeds. On failure nothing is left in bundlePath.
func (p *Puller) Pull(ctx context.Context, imageURL, bundlePath string) (digest.Digest, error) {
	start := time.Now()
	pc, err := p.loadSettings(ctx)
	if err != nil {
		return "", err
	}
	candidates, err := pc.registries.Candidates(imageURL)
	if err != nil {
		return "", err
	}
	origins, err := pc.registries.qualify(imageURL)
	if err != nil {
		return "", err
	}
	var errs []error
	for _, c := range candidates {
		attempt := *pc
		attempt.source, attempt.sys = c, p.systemContext(c, pc.creds)
		attempt.origin = originOf(c, origins)
		d, err := p.pullFrom(ctx, &attempt, bundlePath)
		if err == nil {
			p.log.InfoContext(ctx, "image pulled", "image", imageURL, "from", c.Ref.String(), "digest", d.String(),
				"duration", time.Since(start).Round(time.Millisecond).String())
			return d, nil
		}
		p.log.WarnContext(ctx, "pull attempt failed", "image", imageURL, "from", c.Ref.String(), "error", err)
		errs = append(errs, fmt.Errorf("%s: %w", c.Ref, err))
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("pull %s: %w", imageURL, errors.Join(errs...))
}

// originOf is the requested name a candidate was derived from: for a
// short name, the search registry's; otherwise the one name.
func originOf(c Candidate, origins []reference.Named) reference.Named {
	if len(origins) == 1 {
		return origins[0]
	}
	for _, o := range origins {
		if reference.Domain(o) == reference.Domain(c.Ref) {
			return o
		}
	}
	return c.Ref
}

// loadSettings reads the policy, signature store configuration,
// credentials and registry configuration afresh for each pull, so a
// changed KBS resource takes effect without a restart.
func (p *Puller) loadSettings(ctx context.Context) (*pullContext, error) {
	pc := &pullContext{registries: p.cfg.RegistryConfig}
	b, err := p.loadOrInline(ctx, p.cfg.PolicyURI, p.cfg.Policy)
	if err != nil {
		return nil, fmt.Errorf("image security policy: %w", err)
	}
	if b != nil {
		if pc.policy, err = ParsePolicy(b); err != nil {
			return nil, err
		}
	}
	if b, err = p.loadOrInline(ctx, p.cfg.SigstoreConfigURI, p.cfg.SigstoreConfig); err != nil {
		return nil, fmt.Errorf("sigstore config: %w", err)
	}
	if b != nil {
		if pc.sigstore, err = ParseSigstoreConfig(b); err != nil {
			return nil, err
		}
	}
	if b, err = p.loadOrInline(ctx, p.cfg.CredentialsURI, ""); err != nil {
		return nil, fmt.Errorf("registry credentials: %w", err)
	}
	if b != nil {
		if pc.creds, err = ParseCredentials(b); err != nil {
			return nil, err
		}
	}
	if pc.registries == nil && p.cfg.RegistryConfigURI != "" {
		if b, err = p.load(ctx, p.cfg.RegistryConfigURI); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRegistryConfig, err)
		}
		if pc.registries, err = ParseRegistryConfig(b); err != nil {
			return nil, err
		}
	}
	return pc, nil
}

// pullFrom is one attempt: resolve, check the policy, fetch, unpack.
func (p *Puller) pullFrom(ctx context.Context, pc *pullContext, bundlePath string) (digest.Digest, error) {
	img, err := resolve(ctx, pc.sys, pc.source.Ref)
	if err != nil {
		return "", err
	}
	defer func() { _ = img.src.Close() }() // read-only registry source
	p.log.InfoContext(ctx, "manifest resolved", "image", pc.origin.String(), "digest", img.manifestDigest.String(), "layers", len(img.layers))
	if err := p.checkPolicy(ctx, pc, img); err != nil {
		return "", err
	}
	fetchStart := time.Now()
	if err := p.fetchLayers(ctx, img); err != nil {
		return "", err
	}
	p.log.InfoContext(ctx, "layers fetched", "image", pc.origin.String(), "duration", time.Since(fetchStart).Round(time.Millisecond).String())
	if err := p.createBundle(ctx, img, bundlePath); err != nil {
		return "", err
	}
	return img.manifestDigest, nil
}

// createBundle unpacks into a staging directory beside rootfs and renames
// it in only when every layer checked out, then writes config.json.
func (p *Puller) createBundle(ctx context.Context, img *remoteImage, bundlePath string) (err error) {
	if err := os.MkdirAll(bundlePath, 0o755); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	rootfs := filepath.Join(bundlePath, "rootfs")
	if err := removeIfEmptyDir(rootfs); err != nil {
		return err
	}
	staging, err := os.MkdirTemp(bundlePath, ".rootfs-*")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(staging)
		}
	}()
	if err := os.Chmod(staging, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(staging)
	if err != nil {
		return err
	}
	// Closing the directory handle loses nothing: what was written through
	// it went to files the unpacker closed and checked.
	defer func() { _ = root.Close() }()
	u := newUnpacker(root)
	start := time.Now()
	for i, layer := range img.layers {
		if err := p.unpackLayer(ctx, u, layer.Digest, img.config.RootFS.DiffIDs[i], layer.Size); err != nil {
			return err
		}
	}
	if u.skipped > 0 {
		p.log.WarnContext(ctx, "device nodes and FIFOs in layers were not created", "count", u.skipped)
	}
	uid, gid, err := u.resolveUser(img.config.Config.User)
	if err != nil {
		return err
	}
	if err := os.Rename(staging, rootfs); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	p.log.InfoContext(ctx, "rootfs unpacked", "rootfs", rootfs, "duration", time.Since(start).Round(time.Millisecond).String())
	if err := writeRuntimeSpec(bundlePath, runtimeSpec(img.config.Config, uid, gid)); err != nil {
		_ = os.RemoveAll(rootfs)
		return err
	}
	return nil
}

// unpackLayer streams one cached layer through decompression and the
// diff_id check into the root. A cache entry that fails is evicted.
func (p *Puller) unpackLayer(ctx context.Context, u *unpacker, layer, diffID digest.Digest, size int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.progress(ProgressEvent{Layer: layer, Phase: PhaseUnpacking, Total: size})
	f, err := p.cache.open(layer)
	if err != nil {
		return fmt.Errorf("layer %s: %w", layer, err)
	}
	defer func() { _ = f.Close() }() // read-only cache entry
	zr, err := decompress(f)
	if err != nil {
		p.cache.evict(layer)
		return fmt.Errorf("layer %s: %w", layer, err)
	}
	// The diff_id check below, not Close, is what vouches for the stream.
	defer func() { _ = zr.Close() }()
	tarStream, err := newDigestReader(zr, diffID, 0)
	if err != nil {
		return err
	}
	if err := u.apply(tarStream); err != nil {
		return fmt.Errorf("layer %s: %w", layer, err)
	}
	if err := tarStream.verify(); err != nil {
		p.cache.evict(layer)
		return fmt.Errorf("layer %s: diff_id: %w", layer, err)
	}
	p.progress(ProgressEvent{Layer: layer, Phase: PhaseUnpacked, Done: size, Total: size})
	return nil
}

// removeIfEmptyDir clears the way for rootfs: absent or an empty
// directory is fine; anything else is an earlier pull's result.
func removeIfEmptyDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	_, err = f.Readdirnames(1)
	_ = f.Close() // read-only directory handle
	if !errors.Is(err, io.EOF) {
		return fmt.Errorf("bundle: %s already exists and is not empty", dir)
	}
	return os.Remove(dir)
}
