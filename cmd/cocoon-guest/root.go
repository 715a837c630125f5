package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/restapi"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

// options are the three commands' flags, grouped by component.
type options struct {
	aaSocket       string
	aaConfig       string
	initDataTOML   string
	initDataDigest string
	cdhConfig      string
	restBind       string
	restFeatures   string
	stderr         io.Writer
	lookupEnv      func(string) (string, bool)
}

const longHelp = `cocoon-guest runs the attestation-agent, the confidential-data-hub and
api-server-rest in one process. Each serves what its own command serves: the
agent's ttRPC socket (--attestation_sock), the CDH's ttRPC socket (cdh.toml's
socket) and the REST API (--rest-bind). The flags are the three commands'
flags, prefixed by component where they would clash; the configuration files
are theirs, unchanged.

The CDH reaches the agent over the agent's socket, as it does when they run
apart, so cdh.toml's [aa] aa_socket must name --attestation_sock (its default
does). api-server-rest calls both in process.

Set RUST_LOG to trace, debug, info (default), warn, error or off.`

const examples = `  cocoon-guest --aa-config /run/confidential-containers/initdata/aa.toml \
      --initdata-toml /run/confidential-containers/initdata/initdata.toml \
      --cdh-config /run/confidential-containers/initdata/cdh.toml \
      --rest-features resource`

func newRootCommand(stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) *cobra.Command {
	o := &options{stderr: stderr, lookupEnv: lookupEnv}
	cmd := &cobra.Command{
		Use:          "cocoon-guest",
		Short:        "attestation-agent, confidential-data-hub and api-server-rest in one process",
		Long:         longHelp,
		Example:      examples,
		Version:      version,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), o)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&o.aaSocket, "attestation_sock", aa.DefaultSocket, "attestation-agent: unix:///path of its ttRPC socket")
	f.StringVar(&o.aaConfig, "aa-config", "", "attestation-agent: aa.toml (its -c); without it, AA_KBC_PARAMS or the kernel command line")
	f.StringVar(&o.initDataTOML, "initdata-toml", "", "attestation-agent: init-data TOML to bind and send with every attestation")
	f.StringVar(&o.initDataDigest, "initdata-digest", "", "attestation-agent: init-data digest (standard base64) to bind")
	f.StringVar(&o.cdhConfig, "cdh-config", "", "confidential-data-hub: cdh.toml (its -c); without it, AA_KBC_PARAMS or the kernel command line")
	f.StringVar(&o.restBind, "rest-bind", restapi.DefaultBind, "api-server-rest: IP:port to serve HTTP on (its --bind)")
	f.StringVar(&o.restFeatures, "rest-features", string(restapi.FeatureResource), "api-server-rest: resource, attestation or all (its --features)")
	f.BoolP("version", "V", false, "print the version and exit")
	return cmd
}
