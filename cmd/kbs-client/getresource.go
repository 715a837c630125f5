package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

type getResourceFlags struct {
	attestFlags
	path      string
	tokenFile string
	output    string
}

func newGetResourceCommand(env cliEnv, g *globalFlags, logger *slog.Logger) *cobra.Command {
	f := &getResourceFlags{}
	cmd := &cobra.Command{
		Use:   "get-resource --path REPO/TYPE/TAG [INIT_DATA]",
		Short: "Fetch a confidential resource and print it base64-encoded",
		Long: `Fetches a resource from the KBS and prints it, standard base64-encoded, on
stdout (as upstream). With --output the raw bytes are written to that file
instead (a Cocoon addition).

Without --attestation-token it attests first. With --attestation-token it
presents that token (Bearer) and needs --tee-key-file, the key the token was
issued for.

The path is repo/type/tag for the resource store, or plugin/NAME/PATH[?QUERY]
for another KBS plugin.`,
		Example: `  kbs-client get-resource --path default/key/1
  kbs-client get-resource --path default/key/1 --output key.bin
  kbs-client attest --tee-key-file tee.pem > token
  kbs-client get-resource --path default/key/1 --attestation-token token --tee-key-file tee.pem`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := f.fetch(cmd, g, logger, args)
			if err != nil {
				return err
			}
			if f.output != "" {
				return writeSecretFile(f.output, data)
			}
			_, err = fmt.Fprintln(env.stdout, base64.StdEncoding.EncodeToString(data))
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.path, "path", "", "resource path: repo/type/tag, or plugin/NAME/PATH[?QUERY] (required)")
	cmd.Flags().StringVar(&f.tokenFile, "attestation-token", "", "file holding an attestation token to present instead of attesting (needs --tee-key-file)")
	cmd.Flags().StringVar(&f.output, "output", "", "write the raw resource to this file (mode 0600) instead of printing base64")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}

func (f *getResourceFlags) fetch(cmd *cobra.Command, g *globalFlags, logger *slog.Logger, args []string) ([]byte, error) {
	if f.tokenFile == "" {
		client, err := f.newAttestingClient(g, logger, args)
		if err != nil {
			return nil, err
		}
		return client.GetResource(cmd.Context(), f.path)
	}
	if f.teeKeyFile == "" {
		return nil, errors.New("--attestation-token needs --tee-key-file: the private key whose public half the token carries")
	}
	if f.initDataFile != "" || len(args) > 0 {
		return nil, errors.New("init-data is sent when attesting; it has no use with --attestation-token")
	}
	raw, err := os.ReadFile(f.tokenFile)
	if err != nil {
		return nil, fmt.Errorf("read --attestation-token: %w", err)
	}
	key, err := f.teeKey()
	if err != nil {
		return nil, err
	}
	opts, err := g.clientOptions(logger)
	if err != nil {
		return nil, err
	}
	return kbsclient.GetResourceWithToken(cmd.Context(), g.url, f.path, strings.TrimSpace(string(raw)), key, opts...)
}

// writeSecretFile writes data readable by its owner only, also when the
// file already existed with a wider mode.
func writeSecretFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write --output: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("write --output: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write --output: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write --output: %w", err)
	}
	return nil
}
