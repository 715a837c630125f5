package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/startup"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Usage: confidential-data-hub [-c <config>]

The Confidential Data Hub serves, over ttRPC on one unix socket:
  api.GetResourceService/GetResource        KBS resources by URI (kbs:///repo/type/tag)
  api.SealedSecretService/UnsealSecret      signed sealed secrets (sealed.<hdr>.<payload>.<sig>)
  keyprovider.KeyProviderService/UnWrapKey  image layer keys from AnnotationPackets
  api.ImagePullService/PullImage            pull, verify, decrypt and unpack an image ([image])

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
	cfg, err := cdh.LoadStartupConfig(configPath, getenv)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "confidential-data-hub: %v\n", err)
		return 1
	}
	log, err := startup.NewLogger(stderr, cfg.Log.Level, getenv(startup.EnvLogLevel))
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "confidential-data-hub: %v\n", err)
		return 1
	}
	if err := serve(ctx, cfg, getenv, log); err != nil {
		log.Error("confidential-data-hub stopped", "error", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg *cdh.Config, getenv func(string) string, log *slog.Logger) error {
	hub, err := cdh.Start(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	defer hub.Close()
	log.Info("confidential data hub listening", "socket", cfg.Socket, "kbc", cfg.KBC.Name, "kbs", cfg.KBC.URL)
	err = hub.Serve(ctx)
	log.Info("confidential data hub stopped")
	return err
}
