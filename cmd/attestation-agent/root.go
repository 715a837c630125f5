package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
)

// options are the command-line flags.
type options struct {
	socket         string
	configFile     string
	initDataDigest string
	initDataTOML   string
	grpcAddr       string
	stderr         io.Writer
}

const longHelp = `The attestation-agent proves what this guest runs: it collects TEE evidence,
binds init-data to the TEE at start-up, keeps the runtime event log (AAEL) and
obtains attestation tokens from the KBS for the confidential-data-hub.

It serves attestation_agent.AttestationAgentService over ttRPC on a unix socket,
with the same flags, methods and messages as upstream guest-components, so an
upstream kata-agent can start it unchanged.

Without --config-file the KBS address comes from AA_KBC_PARAMS or the kernel
command line (agent.aa_kbc_params=cc_kbc::<url>). Set RUST_LOG to a level
(trace, debug, info, warn, error, off) to override [log] level.`

const examples = `  # What kata-agent runs
  attestation-agent --attestation_sock unix:///run/confidential-containers/attestation-agent/attestation-agent.sock \
      -c /run/confidential-containers/initdata/aa.toml \
      --initdata-toml /run/confidential-containers/initdata/initdata.toml

  # Also serve gRPC on TCP, for tools that speak gRPC (a build with -tags grpc)
  attestation-agent -c aa.toml --grpc 127.0.0.1:50002`

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	o := &options{stderr: stderr}
	cmd := &cobra.Command{
		Use:           "attestation-agent",
		Short:         "Confidential Containers attestation agent (ttRPC)",
		Long:          longHelp,
		Example:       examples,
		Version:       version,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), o)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVarP(&o.socket, "attestation_sock", "a", aa.DefaultSocket,
		"unix:///path of the ttRPC socket to serve on (a stale socket there is replaced)")
	f.StringVarP(&o.configFile, "config-file", "c", "",
		"aa.toml (or .json) configuration file; without it the KBS comes from AA_KBC_PARAMS or the kernel command line")
	f.StringVarP(&o.initDataDigest, "initdata-digest", "i", "",
		"init-data digest (standard base64) to bind to the TEE; the agent refuses to start on a mismatch")
	f.StringVarP(&o.initDataTOML, "initdata-toml", "t", "",
		"init-data TOML file to bind to the TEE and send with every attestation; wins over --initdata-digest")
	f.StringVar(&o.grpcAddr, "grpc", "", grpcHelp())
	f.BoolP("version", "V", false, "print the version and exit")
	return cmd
}

func grpcHelp() string {
	help := "also serve the API over gRPC on this TCP address, e.g. 127.0.0.1:50002 (off by default)"
	if !grpcBuilt {
		help += "; needs a build with -tags grpc"
	}
	return help
}

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"
