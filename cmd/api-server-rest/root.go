package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/guest/restapi"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

// options are the command-line flags, upstream's names and defaults.
type options struct {
	bind     string
	features string
	cdhAddr  string
	aaAddr   string
	stderr   io.Writer
	getenv   func(string) string
}

const longHelp = `api-server-rest gives the containers of a confidential pod a plain HTTP API
to the guest's attestation-agent (AA) and confidential-data-hub (CDH), which
it calls over ttRPC on their unix sockets. Only loopback clients are served;
others get 403.

Routes (upstream's methods, queries, status codes and bodies):
  GET  /info                                         version, TEE and features
  GET  /cdh/resource/<repository>/<type>/<tag>       a KBS resource (feature resource)
  GET  /aa/token?token_type=kbs                      token and TEE key (feature attestation)
  GET  /aa/evidence?runtime_data=<s>[&encoding=base64]
  GET  /aa/additional-evidence?runtime_data=<s>[&encoding=base64]
  POST /aa/aael  {"domain":"..","operation":"..","content":".."}

The attestation feature hands the TEE's private key to any process of the
pod that asks /aa/token: enable it only when the workload needs it.
Set RUST_LOG to trace, debug, info (default), warn, error or off.`

const examples = `  # What kata-agent runs
  api-server-rest --features resource

  # Everything, against services on other sockets
  api-server-rest --bind 127.0.0.1:8006 --features all \
      --aa_addr unix:///tmp/aa.sock --cdh_addr unix:///tmp/cdh.sock
  curl http://127.0.0.1:8006/cdh/resource/default/key/1`

func newRootCommand(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	o := &options{stderr: stderr, getenv: getenv}
	cmd := &cobra.Command{
		Use:          "api-server-rest",
		Short:        "Confidential Containers REST API server for workloads",
		Long:         longHelp,
		Example:      examples,
		Version:      version,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), o)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVarP(&o.bind, "bind", "b", restapi.DefaultBind, "IP:port to serve HTTP on")
	f.StringVarP(&o.features, "features", "f", string(restapi.FeatureResource), "features to serve: resource, attestation or all")
	f.StringVarP(&o.cdhAddr, "cdh_addr", "c", restapi.DefaultCDHAddr, "unix:///path of the confidential-data-hub's ttRPC socket")
	f.StringVarP(&o.aaAddr, "aa_addr", "a", restapi.DefaultAAAddr, "unix:///path of the attestation-agent's ttRPC socket")
	f.BoolP("version", "V", false, "print the version and exit")
	return cmd
}
