package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

func newVersionCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and KBS protocol version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			bi := app.BuildInfo()
			_, err := fmt.Fprintf(o.stdout, "trustee %s\ncommit: %s\nbuilt: %s\nKBS protocol: %s\n",
				bi.Version, bi.GitHash, bi.BuildDate, kbs.ProtocolVersion)
			return err
		},
	}
}
