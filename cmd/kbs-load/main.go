// Command kbs-load drives the full KBS flow (auth → attest → resource GET)
// against a running Trustee with the sample attester, and reports flows per
// second and latency percentiles per concurrency level, next to the
// cryptographic floor of one flow measured in the same run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/cocoon-cc/cocoon/internal/loadgen"
	"github.com/spf13/cobra"
)

// loadGCPercent is the load generator's own GOGC unless GOGC is set: it
// shares the CPUs with the server it measures, and at Go's default of 100
// its collector took ~6% of the flows per second away from the server.
const loadGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(loadGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "kbs-load:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func newRootCommand() *cobra.Command {
	var opts loadgen.Options
	cmd := &cobra.Command{
		Use:   "kbs-load",
		Short: "Load-test a KBS with full sample-TEE flows and report throughput and p99",
		Long: `kbs-load runs complete KBS flows (POST /auth, POST /attest, GET resource)
with the sample attester at each concurrency level for a fixed duration, and
prints flows per second and p50/p90/p99 latency.

` + loadgen.HowItMeasures + `

Unless GOGC is set, the tool runs its own garbage collector at GOGC=400 so
that it takes less of the CPU it shares with the server.

The resource must be readable by the sample TEE. With --auth-private-key the
tool prepares that itself: it stores a random 32-byte resource at --path and
installs a resource policy that allows every attested client. Do this only
against a development Trustee.`,
		Example: `  # against the development server started with 'go run ./cmd/trustee'
  kbs-load --auth-private-key ~/.local/share/cocoon-trustee/admin.key \
      --concurrency 1,8,32 --duration 10s

  # latency at 2,000 flows/s offered by 32 clients
  kbs-load --auth-private-key ~/.local/share/cocoon-trustee/admin.key \
      --concurrency 32 --rate 2000`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return loadgen.Run(cmd.Context(), cmd.OutOrStdout(), opts)
		},
	}
	opts.AddTargetFlags(cmd.Flags())
	opts.AddLoadFlags(cmd.Flags())
	return cmd
}
