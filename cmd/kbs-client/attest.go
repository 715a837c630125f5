package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// attestFlags are shared by attest and get-resource.
type attestFlags struct {
	teeKeyFile   string
	initDataFile string
}

func (f *attestFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.teeKeyFile, "tee-key-file", "", "PEM private key (EC P-256/P-521 or RSA) to use as the TEE key; default: a fresh P-256 key")
	cmd.Flags().StringVar(&f.initDataFile, "init-data", "", "file holding the init-data TOML document to send with the attestation")
}

// teeKey loads --tee-key-file, or returns nil to let the client generate one.
func (f *attestFlags) teeKey() (*kbs.TeeKeyPair, error) {
	if f.teeKeyFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(f.teeKeyFile)
	if err != nil {
		return nil, fmt.Errorf("read --tee-key-file: %w", err)
	}
	key, err := kbs.ParseTeeKeyPairPEM(pem, "")
	if err != nil {
		return nil, fmt.Errorf("--tee-key-file: %w", err)
	}
	return key, nil
}

// initData returns the init-data document from --init-data or the
// positional argument (upstream's form), nil when neither is given.
func (f *attestFlags) initData(args []string) ([]byte, error) {
	switch {
	case f.initDataFile != "" && len(args) > 0:
		return nil, errors.New("give the init-data either as --init-data FILE or as an argument, not both")
	case f.initDataFile != "":
		b, err := os.ReadFile(f.initDataFile)
		if err != nil {
			return nil, fmt.Errorf("read --init-data: %w", err)
		}
		return b, nil
	case len(args) > 0:
		return []byte(args[0]), nil
	}
	return nil, nil
}

// newAttestingClient builds a client that attests with the attester this
// build has: the sample one.
func (f *attestFlags) newAttestingClient(g *globalFlags, logger *slog.Logger, args []string) (*kbsclient.Client, error) {
	opts, err := g.clientOptions(logger)
	if err != nil {
		return nil, err
	}
	key, err := f.teeKey()
	if err != nil {
		return nil, err
	}
	if key != nil {
		opts = append(opts, kbsclient.WithTeeKeyPair(key))
	}
	initData, err := f.initData(args)
	if err != nil {
		return nil, err
	}
	if initData != nil {
		opts = append(opts, kbsclient.WithInitData(initData))
	}
	logger.Warn("no TEE attester in this build: using the sample attester, whose evidence proves nothing")
	opts = append(opts, kbsclient.WithEvidenceProvider(kbsclient.SampleProvider(false)))
	return kbsclient.New(g.url, opts...)
}

func newAttestCommand(env cliEnv, g *globalFlags, logger *slog.Logger) *cobra.Command {
	f := &attestFlags{}
	cmd := &cobra.Command{
		Use:   "attest [INIT_DATA]",
		Short: "Attest to the KBS and print the attestation token",
		Long: `Runs the KBS attestation handshake and prints the attestation token on stdout.
The token is bound to the TEE key: keep --tee-key-file to use the token later
with get-resource --attestation-token. The init-data TOML document can be given
inline as the argument (as upstream) or as a file with --init-data.`,
		Example: `  kbs-client attest > token
  kbs-client attest --tee-key-file tee.pem --init-data initdata.toml > token`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.newAttestingClient(g, logger, args)
			if err != nil {
				return err
			}
			token, err := client.Attest(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.stdout, token)
			return err
		},
	}
	f.register(cmd)
	return cmd
}
