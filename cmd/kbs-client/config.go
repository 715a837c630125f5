package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

// defaultAdminTokenPath is where upstream's tooling leaves the admin token,
// relative to the home directory.
const defaultAdminTokenPath = ".trustee/admin-token"

// adminFlags are the admin credentials of the config command.
type adminFlags struct {
	privateKeyFile string
	tokenFile      string
}

func newConfigCommand(env cliEnv, g *globalFlags, logger *slog.Logger) *cobra.Command {
	f := &adminFlags{}
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Administer the KBS: policies, resources, reference values",
		Long: `Administration commands. They authenticate with a bearer token:
  --admin-token-file F   a token issued for the KBS admin (Trustee HEAD style);
  --auth-private-key F   an Ed25519 private key (PEM) that signs a fresh 2-hour
                         token per request (Trustee v0.16 style).
Without either, the token in ~/.trustee/admin-token is used.`,
		Example: `  kbs-client config --admin-token-file admin-token set-resource-policy --affirming
  kbs-client config --auth-private-key admin.key set-resource --path default/key/1 --resource-file key.bin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&f.privateKeyFile, "auth-private-key", "", "Ed25519 private key (PEM) that signs admin tokens")
	cmd.PersistentFlags().StringVar(&f.tokenFile, "admin-token-file", "", "file holding an admin bearer token")
	cmd.MarkFlagsMutuallyExclusive("auth-private-key", "admin-token-file")

	newAdmin := func() (*kbsclient.Admin, error) {
		source, err := f.tokenSource(env.home)
		if err != nil {
			return nil, err
		}
		opts, err := g.clientOptions(logger)
		if err != nil {
			return nil, err
		}
		return kbsclient.NewAdmin(g.url, source, opts...)
	}
	cmd.AddCommand(
		newSetAttestationPolicyCommand(env, newAdmin),
		newSetResourcePolicyCommand(env, newAdmin),
		newGetResourcePolicyCommand(env, newAdmin),
		newSetResourceCommand(env, newAdmin),
		newDeleteResourceCommand(env, newAdmin),
		newGetReferenceValueCommand(env, newAdmin),
		newSetSampleReferenceValueCommand(env, newAdmin),
	)
	return cmd
}

// adminFactory builds the admin client once the flags are parsed.
type adminFactory func() (*kbsclient.Admin, error)

// tokenSource resolves the admin credentials: a flag, else the token file
// in the home directory, else an error naming the flags.
func (f *adminFlags) tokenSource(home string) (func() (string, error), error) {
	switch {
	case f.privateKeyFile != "":
		pem, err := os.ReadFile(f.privateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("read --auth-private-key: %w", err)
		}
		source := kbsclient.EdDSATokenSource(pem)
		if _, err := source(); err != nil { // fail before any request on a bad key
			return nil, fmt.Errorf("--auth-private-key: %w", err)
		}
		return source, nil
	case f.tokenFile != "":
		return readTokenFile(f.tokenFile, "--admin-token-file")
	}
	if home != "" {
		path := filepath.Join(home, defaultAdminTokenPath)
		source, err := readTokenFile(path, path)
		if !errors.Is(err, fs.ErrNotExist) {
			return source, err
		}
	}
	return nil, errors.New("no admin credentials: pass --admin-token-file FILE (an admin bearer token) or " +
		"--auth-private-key FILE (an Ed25519 private key in PEM), or write the token to ~/" + defaultAdminTokenPath)
}

func readTokenFile(path, what string) (func() (string, error), error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	token := strings.TrimSpace(string(raw))
	if token == "" {
		return nil, fmt.Errorf("%s is empty", what)
	}
	return kbsclient.StaticTokenSource(token), nil
}
