package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const (
	cmdlinePath = "/proc/cmdline"
	// envSkipVerification is upstream's switch, honoured like the file's.
	envSkipVerification = "SKIP_SEALED_SECRET_VERIFICATION"
)

const usage = `Usage: confidential-data-hub [-c <config>]

The Confidential Data Hub serves, over ttRPC on one unix socket:
  api.GetResourceService/GetResource        KBS resources by URI (kbs:///repo/type/tag)
  api.SealedSecretService/UnsealSecret      signed sealed secrets (sealed.<hdr>.<payload>.<sig>)
  keyprovider.KeyProviderService/UnWrapKey  image layer keys from AnnotationPackets
  api.ImagePullService/PullImage            not supported yet (NOT_FOUND)

Resources come from the KBS in [kbc] url, with a token from the
attestation-agent at [aa] aa_socket. [[credentials]] are fetched at start.

Options:
  -c, --config <path>  cdh.toml, or JSON when the name ends in .json. Without
                       it, [kbc] comes from AA_KBC_PARAMS ("cc_kbc::<url>") or
                       the kernel's agent.aa_kbc_params, else offline_fs_kbc.
  --version            print the version and exit
  -h, --help           print this help

Examples:
  confidential-data-hub -c /etc/confidential-data-hub.toml
  AA_KBC_PARAMS=cc_kbc::http://10.0.0.1:8080 confidential-data-hub
`

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("confidential-data-hub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var configPath string
	var showVersion bool
	fs.StringVar(&configPath, "c", "", "")
	fs.StringVar(&configPath, "config", "", "")
	fs.BoolVar(&showVersion, "version", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = fmt.Fprint(stdout, usage)
			return 0
		}
		_, _ = fmt.Fprintf(stderr, "confidential-data-hub: %v\n\n%s", err, usage)
		return 2
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "confidential-data-hub: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return 2
	}
	if showVersion {
		_, _ = fmt.Fprintf(stdout, "confidential-data-hub (Cocoon) %s\n", version)
		return 0
	}
	cfg, err := loadConfig(configPath, getenv)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "confidential-data-hub: %v\n", err)
		return 1
	}
	level, _ := cdh.ParseLogLevel(cfg.Log.Level) // validated with the config
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := serve(ctx, cfg, getenv, log); err != nil {
		log.Error("confidential-data-hub stopped", "error", err)
		return 1
	}
	return 0
}

func loadConfig(path string, getenv func(string) string) (*cdh.Config, error) {
	cmdline, _ := os.ReadFile(cmdlinePath) // absent outside a VM: no kernel parameters
	var (
		cfg *cdh.Config
		err error
	)
	if path != "" {
		cfg, err = cdh.LoadConfig(path)
	} else {
		cfg, err = cdh.DefaultConfig(getenv(cdh.EnvKBCParams), string(cmdline))
	}
	if err != nil {
		return nil, err
	}
	if getenv(envSkipVerification) == "true" {
		cfg.SkipSealedSecretVerification = true
	}
	discard := slog.New(slog.DiscardHandler)
	if err := cfg.ApplyOverrides(getenv(cdh.EnvRegistryCredentials), string(cmdline), discard); err != nil {
		return nil, err
	}
	return cfg, nil
}

func serve(ctx context.Context, cfg *cdh.Config, getenv func(string) string, log *slog.Logger) error {
	for _, key := range cfg.IgnoredKeys {
		log.Warn("config key ignored, as upstream ignores it", "key", key)
	}
	if cfg.SkipSealedSecretVerification {
		log.Warn("sealed secret signatures are NOT verified (skip_sealed_secret_verification)")
	}
	resources, closeResources, err := newResources(cfg, getenv, log)
	if err != nil {
		return err
	}
	defer closeResources()
	if err := cdh.FetchCredentials(ctx, cfg.Credentials, cdh.CredentialsDir, resources, log); err != nil {
		return err
	}
	l, err := cdh.Listen(cfg.Socket)
	if err != nil {
		return err
	}
	svc := cdh.NewService(cdh.ServiceOptions{
		Resources:                    resources,
		SkipSealedSecretVerification: cfg.SkipSealedSecretVerification,
		Logger:                       log,
	})
	log.Info("confidential data hub listening", "socket", cfg.Socket, "kbc", cfg.KBC.Name, "kbs", cfg.KBC.URL)
	err = cdh.Serve(ctx, l, svc)
	log.Info("confidential data hub stopped")
	return err
}

// newResources builds the resource source [kbc] names.
func newResources(cfg *cdh.Config, getenv func(string) string, log *slog.Logger) (secret.ResourceGetter, func(), error) {
	if cfg.KBC.Name == cdh.KBCOfflineFS {
		o, err := cdh.LoadOfflineFS(cdh.SplitExtraFiles(getenv(cdh.EnvOfflineFSExtraFiles)))
		return o, func() {}, err
	}
	tokens, err := cdh.NewAATokens(cfg.AA.Socket)
	if err != nil {
		return nil, nil, err
	}
	k, err := cdh.NewKBS(cfg.KBC.URL, cfg.KBC.Cert, tokens, log)
	if err != nil {
		return nil, nil, err
	}
	return k, func() { _ = tokens.Close() }, nil
}
