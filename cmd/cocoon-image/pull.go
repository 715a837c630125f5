package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/image"
	"github.com/cocoon-cc/cocoon/internal/guest/resourceuri"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

func init() { subcommands = append(subcommands, newPullCommand) }

const pullHelp = `Pull IMAGE into BUNDLE (BUNDLE/rootfs and BUNDLE/config.json) with the
confidential-data-hub's own pull code, outside a guest: registry configuration,
credentials, image security policy and signatures, streaming unpack. Use it to debug an image and the policy a guest will
apply to it. The manifest digest is printed on stdout, progress on stderr.

Files take what cdh.toml's [image] takes: --policy is a policy.json (a path,
file:// or kbs:/// URI), --sigstore-config the signature store YAML,
--authfile an auth.json, --registry-config a registries.conf subset (TOML:
unqualified-search-registries, [[registry]] prefix/location/insecure/blocked,
[[registry.mirror]]). Without --policy every image is accepted.

kbs:/// URIs need --kbs: cocoon-image attests to it as a guest with the --tee
evidence (only "sample", which a Trustee must be told to trust) and fetches
the resources as the CDH does. Encrypted layers (provider attestation-agent,
as coco-keyprovider writes them) need --kbs too: each layer key is unwrapped
by the CDH's own UnWrapKey code with the KEK its AnnotationPacket names,
fetched from the KBS. Layers are cached in --work-dir and not pulled again.`

const pullExamples = `  # A plain-HTTP registry, and the guest's policy and keys from a development Trustee
  cat > registries.toml <<EOF
  [[registry]]
  location = "127.0.0.1:5000"
  insecure = true
  EOF
  cocoon-image pull --registry-config registries.toml --policy policy.json \
      --kbs http://127.0.0.1:8080 --tee sample 127.0.0.1:5000/app:signed /tmp/bundle

  # An image encrypted through coco-keyprovider, its KEK in that Trustee
  cocoon-image pull --registry-config registries.toml \
      --kbs http://127.0.0.1:8080 127.0.0.1:5000/app:encrypted /tmp/bundle`

type pullOptions struct {
	policy, sigstoreConfig, authFile, registryConfig string
	kbsURL, kbsCert, tee                             string
	workDir                                          string
	certs                                            []string
	concurrency                                      int
	quiet, verbose                                   bool
}

func newPullCommand() *cobra.Command {
	var o pullOptions
	cmd := &cobra.Command{
		Use:     "pull [flags] IMAGE BUNDLE",
		Short:   "Pull, verify, decrypt and unpack an image as the guest does",
		Long:    pullHelp,
		Example: pullExamples,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPull(cmd.Context(), o, args[0], args[1], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.policy, "policy", "", "image security policy (policy.json path, file:// or kbs:/// URI)")
	f.StringVar(&o.sigstoreConfig, "sigstore-config", "", "signature store configuration (YAML path or kbs:/// URI)")
	f.StringVar(&o.authFile, "authfile", "", "registry credentials (auth.json path or kbs:/// URI)")
	f.StringVar(&o.registryConfig, "registry-config", "", "registry configuration (registries.conf subset, TOML)")
	f.StringVar(&o.kbsURL, "kbs", "", "KBS URL for kbs:/// URIs")
	f.StringVar(&o.kbsCert, "kbs-cert", "", "PEM file trusted for the KBS's HTTPS")
	f.StringVar(&o.tee, "tee", "sample", "evidence to attest with (sample)")
	f.StringVar(&o.workDir, "work-dir", defaultPullWorkDir(), "layer cache directory")
	f.StringArrayVar(&o.certs, "cert", nil, "extra PEM root certificate file for registries (repeatable)")
	f.IntVar(&o.concurrency, "max-concurrent-downloads", image.DefaultConcurrentDownloads, "layers downloaded at once")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log each step (the CDH's log)")
	return cmd
}

func defaultPullWorkDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "cocoon-image")
	}
	return filepath.Join(os.TempDir(), "cocoon-image")
}

func runPull(ctx context.Context, o pullOptions, imageRef, bundle string, stdout, stderr io.Writer) error {
	cfg, err := o.imageConfig()
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	opts := image.Options{Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), UserAgent: "cocoon-image"}
	if o.kbsURL != "" {
		if opts.Resources, err = o.resources(); err != nil {
			return err
		}
		opts.Keys = cdh.NewKeyUnwrapper(opts.Resources)
	}
	var bar *progressBar
	if !o.quiet {
		bar = newProgressBar(stderr)
		opts.Progress = bar.update
	}
	p, err := image.NewPuller(cfg, opts)
	if err != nil {
		return err
	}
	d, err := p.Pull(ctx, strings.TrimPrefix(imageRef, "docker://"), bundle)
	if bar != nil {
		bar.finish()
	}
	if errors.Is(err, image.ErrDecrypt) && o.kbsURL == "" {
		return fmt.Errorf("%w (layer keys come from the KBS: give --kbs)", err)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, d)
	return err
}

func (o pullOptions) imageConfig() (image.Config, error) {
	cfg := image.Config{
		WorkDir:                o.workDir,
		MaxConcurrentDownloads: o.concurrency,
		PolicyURI:              absURI(o.policy),
		SigstoreConfigURI:      absURI(o.sigstoreConfig),
		CredentialsURI:         absURI(o.authFile),
	}
	if o.registryConfig != "" {
		b, err := os.ReadFile(o.registryConfig)
		if err != nil {
			return cfg, err
		}
		if cfg.RegistryConfig, err = image.ParseRegistryConfig(b); err != nil {
			return cfg, err
		}
	}
	for _, path := range o.certs {
		pem, err := os.ReadFile(path)
		if err != nil {
			return cfg, err
		}
		cfg.ExtraRootCertificates = append(cfg.ExtraRootCertificates, string(pem))
	}
	return cfg, nil
}

// absURI makes a relative file name absolute, as the guest code reads
// only kbs:///, file:// and absolute paths.
func absURI(s string) string {
	if s == "" || strings.Contains(s, "://") || filepath.IsAbs(s) {
		return s
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return s
	}
	return abs
}

// resources fetches kbs:/// URIs, layer KEKs included, from the KBS,
// attesting with the --tee evidence.
func (o pullOptions) resources() (secret.ResourceGetter, error) {
	if o.tee != "sample" {
		return nil, fmt.Errorf("--tee %q: only sample evidence can be produced outside a guest", o.tee)
	}
	options := []kbsclient.Option{kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false))}
	if o.kbsCert != "" {
		b, err := os.ReadFile(o.kbsCert)
		if err != nil {
			return nil, err
		}
		options = append(options, kbsclient.WithRootCertificatePEM(b))
	}
	client, err := kbsclient.New(o.kbsURL, options...)
	if err != nil {
		return nil, err
	}
	return kbsResources{client}, nil
}

// kbsResources is secret.ResourceGetter over the KBS client.
type kbsResources struct{ client *kbsclient.Client }

func (k kbsResources) GetResource(ctx context.Context, uri resourceuri.URI) ([]byte, error) {
	if uri.Plugin != resourceuri.DefaultPlugin || uri.Query != "" {
		return nil, fmt.Errorf("%s: only kbs:///<repo>/<type>/<tag> resources", uri)
	}
	return k.client.GetResource(ctx, strings.Join(uri.Path, "/"))
}

// progressBar draws one line of download and unpack progress on a
// terminal, or prints each layer's steps otherwise.
type progressBar struct {
	w        io.Writer
	terminal bool
	start    time.Time

	mu       sync.Mutex
	layers   map[string]*layerProgress
	order    []string
	lastDraw time.Time
}

type layerProgress struct {
	done, total int64
	phase       image.Phase
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, terminal: ok && term.IsTerminal(int(f.Fd())), start: time.Now(), layers: map[string]*layerProgress{}}
}

func (b *progressBar) update(ev image.ProgressEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := ev.Layer.String()
	l, ok := b.layers[key]
	if !ok {
		l = &layerProgress{}
		b.layers[key] = l
		b.order = append(b.order, key)
	}
	changed := l.phase != ev.Phase
	l.phase, l.total = ev.Phase, ev.Total
	if ev.Phase == image.PhaseDownloading || ev.Phase == image.PhaseDownloaded || ev.Phase == image.PhaseCached {
		l.done = ev.Done
	}
	if !b.terminal {
		if changed && ev.Phase != image.PhaseDownloading || changed && l.done == 0 {
			_, _ = fmt.Fprintf(b.w, "%s %s %s\n", short(key), ev.Phase, mib(ev.Total))
		}
		return
	}
	if time.Since(b.lastDraw) >= 100*time.Millisecond || changed {
		b.draw()
	}
}

func (b *progressBar) draw() {
	b.lastDraw = time.Now()
	var done, total int64
	unpacked := 0
	for _, key := range b.order {
		l := b.layers[key]
		done += l.done
		total += l.total
		if l.phase == image.PhaseUnpacked {
			unpacked++
		}
	}
	const width = 30
	filled := width
	if total > 0 {
		filled = int(int64(width) * min(done, total) / total)
	}
	rate := float64(done) / (1 << 20) / max(time.Since(b.start).Seconds(), 1e-3)
	_, _ = fmt.Fprintf(b.w, "\r[%s%s] %s / %s %6.1f MiB/s  unpacked %d/%d layers ",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), mib(done), mib(total), rate, unpacked, len(b.order))
}

func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.terminal {
		b.draw()
		_, _ = fmt.Fprintln(b.w)
	}
}

func short(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return hex[:12]
	}
	return d
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
