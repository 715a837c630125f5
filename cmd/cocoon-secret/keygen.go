package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/guest/secret"
)

func newKeygenCmd() *cobra.Command {
	var kid, outDir string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Generate a P-256 signing key pair as JWKs",
		Long: `keygen writes <kid>-private.json (keep it secret; seal signs with it) and
<kid>-public.json (give it to the CDH: store it in the KBS and use its
resource URI as the signing kid, or place it in the guest at
/run/confidential-containers/cdh/sealed-secret/<kid>). Existing files are
never overwritten.`,
		Example: `  cocoon-secret keygen --kid signing-key --output-dir ./keys`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kid == "" || strings.ContainsAny(kid, `/\`) || kid == "." || kid == ".." {
				return fmt.Errorf("--kid %q: it names the key files, so it cannot be empty or hold a path", kid)
			}
			priv, err := secret.GenerateSigningKey()
			if err != nil {
				return err
			}
			privJWK, err := secret.PrivateJWK(priv, kid)
			if err != nil {
				return err
			}
			pubJWK, err := secret.PublicJWK(&priv.PublicKey, kid)
			if err != nil {
				return err
			}
			privPath := filepath.Join(outDir, kid+"-private.json")
			pubPath := filepath.Join(outDir, kid+"-public.json")
			if err := writeJSONNew(privPath, privJWK, 0o600); err != nil {
				return err
			}
			if err := writeJSONNew(pubPath, pubJWK, 0o644); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "private key: %s\npublic key:  %s\n", privPath, pubPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&kid, "kid", "sealed-signing", "key ID written into the JWKs and the file names")
	cmd.Flags().StringVar(&outDir, "output-dir", ".", "directory for the key files")
	return cmd
}

// writeJSONNew writes v to a file that must not exist yet.
func writeJSONNew(path string, v any, perm os.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
