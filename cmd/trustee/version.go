package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/trustee/metrics"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// buildInfo reads version and VCS stamps the Go toolchain embedded.
func buildInfo() metrics.BuildInfo {
	info := metrics.BuildInfo{Version: "(devel)", GitHash: "unknown", BuildDate: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.GitHash = s.Value
		case "vcs.time":
			info.BuildDate = s.Value
		}
	}
	return info
}

func newVersionCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and KBS protocol version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			bi := buildInfo()
			_, err := fmt.Fprintf(o.stdout, "trustee %s\ncommit: %s\nbuilt: %s\nKBS protocol: %s\n",
				bi.Version, bi.GitHash, bi.BuildDate, kbs.ProtocolVersion)
			return err
		},
	}
}
