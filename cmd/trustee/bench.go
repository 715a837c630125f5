package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cocoon-cc/cocoon/internal/loadgen"
	"github.com/cocoon-cc/cocoon/internal/trustee/app"
	"github.com/cocoon-cc/cocoon/internal/trustee/config"
)

// benchSocket lets the system pick a free loopback port.
const benchSocket = "127.0.0.1:0"

func newBenchCommand(o *options) *cobra.Command {
	var opts loadgen.Options
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure full flows per second and latency against a server in this process",
		Long: `trustee bench starts the development server in this process, in a new
temporary data directory on a free loopback port, and drives complete KBS
flows (POST /auth, POST /attest, GET resource) with the sample attester at it
over loopback HTTP, as kbs-load does against a separate server. It prints
flows per second and p50/p90/p99 latency per concurrency level.

The server and its simulated guests share one Go runtime, so one scheduler
divides the CPUs between them. With kbs-load in a second process, two
runtimes each run as many threads as there are CPUs and the kernel
time-slices between them, which costs the server both CPU and latency that
guests on other machines would not cause.

` + loadgen.HowItMeasures,
		Example: `  # the README's performance run
  trustee bench --concurrency 1,8,32 --duration 10s

  # latency at 2,000 flows/s offered by 32 clients
  trustee bench --concurrency 32 --rate 2000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("log-level") {
				o.logLevel = "warn" // the per-request info lines would drown the table
			}
			return runBench(cmd.Context(), o, opts)
		},
	}
	opts.AddLoadFlags(cmd.Flags())
	return cmd
}

// runBench serves the development configuration from a temporary data
// directory and loads it until every level has run.
func runBench(ctx context.Context, o *options, opts loadgen.Options) (err error) {
	logger, err := newLogger(o)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "trustee-bench-")
	if err != nil {
		return fmt.Errorf("bench data directory: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	if _, err := ensureDevKeys(dir); err != nil {
		return err
	}
	cfg := config.Default(dir)
	cfg.HTTPServer.Sockets = []string{benchSocket}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("bench configuration: %w", err)
	}
	trustee, err := app.Build(ctx, cfg, app.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, trustee.Close()) }()
	listeners, err := trustee.Listen()
	if err != nil {
		return err
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- trustee.Serve(serveCtx, listeners) }()
	defer func() {
		stopServing()
		err = errors.Join(err, <-served)
	}()

	opts.URL = listeners.URLs()[0]
	opts.AdminKey = filepath.Join(dir, adminKeyFile)
	if _, err := fmt.Fprintf(o.stdout, "trustee bench: development server and clients in this process, data in %s\n\n", dir); err != nil {
		return err
	}
	return loadgen.Run(ctx, o.stdout, opts)
}
