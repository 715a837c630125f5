package main

import (
	"io"

	"github.com/spf13/cobra"
)

// subcommands builds the subcommands. Each command's file appends its
// constructor in an init function, so adding a command is adding a file.
var subcommands []func() *cobra.Command

const rootHelp = `cocoon-image prepares container images for Confidential Containers: it
encrypts layers with keys that only Trustee releases after attestation and signs
images, with skopeo's command and flag names, on the containers/image and
containers/ocicrypt code skopeo itself uses. Debian's skopeo is too old for key
providers; cocoon-image is not.

Image names: docker://HOST/REPO:TAG, oci:DIR[:TAG], dir:PATH.`

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "cocoon-image",
		Short:         "Encrypt, sign and inspect images for Confidential Containers",
		Long:          rootHelp,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, build := range subcommands {
		root.AddCommand(build())
	}
	return withErrorPrinting(root, stderr)
}

// withErrorPrinting prints a failed command's error once, without usage.
func withErrorPrinting(root *cobra.Command, stderr io.Writer) *cobra.Command {
	for _, c := range root.Commands() {
		run := c.RunE
		if run == nil {
			continue
		}
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			if err != nil {
				_, _ = io.WriteString(stderr, "cocoon-image "+cmd.Name()+": "+err.Error()+"\n")
			}
			return err
		}
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_, _ = io.WriteString(stderr, "cocoon-image: "+err.Error()+"\nsee "+c.CommandPath()+" --help\n")
		return err
	})
	return root
}

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"
