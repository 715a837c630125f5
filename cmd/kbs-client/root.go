package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

const defaultURL = "http://127.0.0.1:8080"

// cliEnv is what a run of the command may touch besides the network and
// the files named on the command line.
type cliEnv struct {
	stdout io.Writer
	stderr io.Writer
	home   string // home directory, for ~/.trustee/admin-token; "" if unknown
}

// globalFlags are the flags every command shares.
type globalFlags struct {
	url      string
	certFile string
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, env cliEnv) int {
	root := newRootCommand(env)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		_, _ = fmt.Fprintf(env.stderr, "Error: %v\n", err) // a failing stderr leaves nowhere to report
		return 1
	}
	return 0
}

func newRootCommand(env cliEnv) *cobra.Command {
	g := &globalFlags{}
	logger := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	root := &cobra.Command{
		Use:   "kbs-client",
		Short: "Attest to a Key Broker Service, fetch its secrets and administer it",
		Long: `kbs-client talks to a Key Broker Service (KBS): it attests (KBS protocol
0.4.0), fetches confidential resources, and administers policies, resources
and reference values. Commands and flags follow upstream Trustee's kbs-client.`,
		Example: `  kbs-client --url http://127.0.0.1:8080 attest
  kbs-client get-resource --path default/key/1
  kbs-client config --admin-token-file admin-token set-resource --path default/key/1 --resource-file key.bin`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(env.stdout)
	root.SetErr(env.stderr)
	root.PersistentFlags().StringVar(&g.url, "url", defaultURL, "KBS root URL")
	root.PersistentFlags().StringVar(&g.certFile, "cert-file", "", "PEM file of a custom root certificate for an HTTPS KBS")
	root.AddCommand(
		newAttestCommand(env, g, logger),
		newGetResourceCommand(env, g, logger),
		newConfigCommand(env, g, logger),
	)
	return root
}

// clientOptions turns the global flags into client options.
func (g *globalFlags) clientOptions(logger *slog.Logger) ([]kbsclient.Option, error) {
	opts := []kbsclient.Option{kbsclient.WithLogger(logger)}
	if g.certFile != "" {
		pem, err := os.ReadFile(g.certFile)
		if err != nil {
			return nil, fmt.Errorf("read --cert-file: %w", err)
		}
		opts = append(opts, kbsclient.WithRootCertificatePEM(pem))
	}
	return opts, nil
}
