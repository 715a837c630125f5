package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/imagetool"
)

func init() { subcommands = append(subcommands, newGenerateSigstoreKeyCommand) }

const generateKeyHelp = `Generate a sigstore (cosign) ECDSA P-256 key pair: PREFIX.private, the
private key encrypted with the passphrase (what --sign-by-sigstore-private-key of
cocoon-image and skopeo reads), and PREFIX.pub, the public key (what a
sigstoreSigned requirement's keyPath names in the guest's policy.json, usually
stored in Trustee as a resource). Existing files are never overwritten.`

const generateKeyExamples = `  cocoon-image generate-sigstore-key --output-prefix mykey --passphrase-file pass.txt
  kbs-client config --auth-private-key admin.key set-resource \
      --path default/cosign-public-key/app --resource-file mykey.pub`

func newGenerateSigstoreKeyCommand() *cobra.Command {
	var prefix, passphraseFile string
	cmd := &cobra.Command{
		Use:     "generate-sigstore-key --output-prefix PREFIX [--passphrase-file FILE]",
		Short:   "Generate a sigstore signing key pair",
		Long:    generateKeyHelp,
		Example: generateKeyExamples,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			passphrase, err := readPassphrase(passphraseFile)
			if err != nil {
				return err
			}
			priv, pub, err := imagetool.GenerateSigstoreKey(passphrase)
			if err != nil {
				return err
			}
			privPath, pubPath := prefix+".private", prefix+".pub"
			if err := writeNew(privPath, priv, 0o600); err != nil {
				return err
			}
			if err := writeNew(pubPath, pub, 0o644); err != nil {
				return errors.Join(err, os.Remove(privPath))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Key written to %q and %q\n", privPath, pubPath)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&prefix, "output-prefix", "", "write PREFIX.private and PREFIX.pub")
	f.StringVar(&passphraseFile, "passphrase-file", "", "file whose first line is the passphrase (empty without it)")
	_ = cmd.MarkFlagRequired("output-prefix")
	return cmd
}

// writeNew creates path, failing if it exists.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}
