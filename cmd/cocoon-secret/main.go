// Command cocoon-secret makes sealed secrets the Confidential Data Hub
// unseals: keygen creates the P-256 signing key, seal signs a vault or
// envelope secret, unseal checks and opens one for debugging. Flags follow
// guest-components' secret CLI where the two overlap.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd(os.Stdin, os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "cocoon-secret:", err)
		os.Exit(1)
	}
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "cocoon-secret",
		Short: "Create, sign and inspect sealed secrets for the Confidential Data Hub",
		Long: `cocoon-secret creates sealed secrets, strings of the form
  sealed.<JWS header>.<secret JSON>.<ES256 signature>
that kata-agent hands to the Confidential Data Hub (CDH) when an environment
variable or file of a confidential pod starts with "sealed.". The CDH checks
the signature with the key named by the signing kid, then reveals the secret.

A typical flow:
  1. cocoon-secret keygen --kid signing-key
  2. upload signing-key-public.json to the KBS, e.g. at default/signing/key1
     (kbs-client config ... set-resource --path default/signing/key1 ...)
  3. cocoon-secret seal --signing-kid kbs:///default/signing/key1 \
       --signing-jwk-path signing-key-private.json \
       vault --resource-uri kbs:///default/db/password
  4. put the printed sealed.... string in the pod spec.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newKeygenCmd(), newSealCmd(), newUnsealCmd())
	return root
}
