package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// Environment variables read as flag defaults.
const (
	envConfigFile = "KBS_CONFIG_FILE" // upstream's name
	envDataDir    = "COCOON_DATA_DIR"
)

// options are the flags shared by every subcommand.
type options struct {
	configFile  string
	dataDir     string
	logFormat   string
	logLevel    string
	allowSample bool
	sockets     []string // --socket, in place of http_server.sockets
	stdout      io.Writer
	stderr      io.Writer
}

const rootExamples = `  # Development server on http://127.0.0.1:8080, keys and data in ~/.local/share/cocoon-trustee
  trustee

  # Production: serve the configuration file (also read from $KBS_CONFIG_FILE)
  trustee --config-file /etc/trustee/kbs-config.toml

  # A second development server beside the first, on a port of its own
  trustee --data-dir ./dev2 --socket 127.0.0.1:8081

  # Let the system pick the port: the "KBS listening" log line names it
  trustee serve -c kbs-config.toml --socket 127.0.0.1:0

  # Check a configuration file without starting anything
  trustee validate -c /etc/trustee/kbs-config.toml

  # Verify TEE evidence offline with the server's verifier configuration
  trustee verify -c /etc/trustee/kbs-config.toml --tee snp --evidence evidence.json --report-data HEX`

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	o := &options{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "trustee",
		Short: "Cocoon Trustee: Key Broker Service, Attestation Service and reference values in one server",
		Long: `trustee releases secrets to confidential guests that prove, with hardware
evidence, what they run (KBS protocol 0.4.0, compatible with upstream Trustee).

Without a configuration file it starts a development server on plain HTTP at
127.0.0.1:8080 (--socket to change). On first start it creates an admin key pair and a token signing
key in the data directory and prints the next command to run.`,
		Example:       rootExamples,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), o) },
	}
	addServeFlags(root, o)
	root.SetOut(stdout)
	root.SetErr(stderr)

	flags := root.PersistentFlags()
	flags.StringVarP(&o.configFile, "config-file", "c", os.Getenv(envConfigFile), "configuration file (TOML); env "+envConfigFile)
	flags.StringVar(&o.dataDir, "data-dir", defaultDataDir(), "data directory of the development server (no config file); env "+envDataDir)
	flags.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	flags.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	flags.BoolVar(&o.allowSample, "insecure-allow-sample-tee", false,
		"DEVELOPMENT ONLY: install a resource policy that releases secrets to the sample TEE, which anyone can fake")

	serve := &cobra.Command{
		Use:     "serve",
		Short:   "Run the server (the default command)",
		Example: rootExamples,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), o) },
	}
	addServeFlags(serve, o)
	root.AddCommand(serve, newValidateCommand(o), newVerifyCommand(o), newBenchCommand(o), newVersionCommand(o))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nsee %s --help", err, c.CommandPath())
	})
	return withErrorPrinting(root, stderr)
}

// addServeFlags adds the flags that only serving reads, to the root
// command and to serve alike.
func addServeFlags(cmd *cobra.Command, o *options) {
	cmd.Flags().StringArrayVar(&o.sockets, "socket", nil,
		"listen on IP:PORT instead of http_server.sockets (repeatable); port 0 picks a free port, "+
			"logged in the \"KBS listening\" line")
}

// withErrorPrinting prints a failed command's error once to stderr:
// cobra's own printing is silenced so it does not come with the usage.
func withErrorPrinting(root *cobra.Command, stderr io.Writer) *cobra.Command {
	for _, c := range append([]*cobra.Command{root}, root.Commands()...) {
		run := c.RunE
		if run == nil {
			continue
		}
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			if err != nil {
				_, _ = fmt.Fprintf(stderr, "trustee: %v\n", err) // a failing stderr leaves nowhere to report
			}
			return err
		}
	}
	return root
}

// defaultDataDir is $COCOON_DATA_DIR, else $XDG_DATA_HOME/cocoon-trustee,
// else ~/.local/share/cocoon-trustee.
func defaultDataDir() string {
	if d := os.Getenv(envDataDir); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "cocoon-trustee")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "cocoon-trustee")
	}
	return "cocoon-trustee"
}

// newLogger builds the structured logger the flags ask for.
func newLogger(o *options) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	handlerOpts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(o.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(o.stderr, handlerOpts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(o.stderr, handlerOpts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", o.logFormat)
	}
}
