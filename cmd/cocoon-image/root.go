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
		Use:          "cocoon-image",
		Short:        "Encrypt, sign and inspect images for Confidential Containers",
		Long:         rootHelp,
		Version:      version,
		SilenceUsage: true, // errors are printed once, as "Error: ...", without usage
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, build := range subcommands {
		root.AddCommand(build())
	}
	return root
}

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"
