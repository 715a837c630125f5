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
	var opts loadOptions
	cmd := &cobra.Command{
		Use:   "kbs-load",
		Short: "Load-test a KBS with full sample-TEE flows and report throughput and p99",
		Long: `kbs-load runs complete KBS flows (POST /auth, POST /attest, GET resource)
with the sample attester at each concurrency level for a fixed duration, and
prints flows per second and p50/p90/p99 latency. Each client is one simulated
guest: its own keep-alive connection, and one TEE key for all its flows as
upstream's attestation agent keeps one per process (--key-per-flow makes a
new key for every flow instead). Every flow is a new session, and its
resource is decrypted and compared with what was stored. Each level first
runs --warmup, whose flows are not timed, so that connections, caches and
the server's heap reach their steady state.

By default each client starts its next flow as soon as the last one ends
(closed loop): flows per second is then the most the server gives, and the
latency is mostly queueing, since each of N clients waits for the others'
flows (p50 is about N divided by the rate). With --rate, flows start on a
fixed schedule shared by the clients (open loop, as wrk2 does): the table
then shows the latency a guest sees at that load, measured from each flow's
scheduled start so that a server falling behind is not hidden.

Before the load it measures the cryptographic floor
of one flow on this machine (ES256 sign + verify of the token, ECDH-ES+A256KW
wrap of the resource, JCS + SHA-384 of the runtime data) so the numbers can be
read against what the hardware allows. Unless GOGC is set, the tool runs its
own garbage collector at GOGC=400 so that it takes less of the CPU it shares
with the server.

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
			return run(cmd.Context(), cmd.OutOrStdout(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.url, "url", "http://127.0.0.1:8080", "KBS base URL")
	f.StringVar(&opts.certFile, "cert-file", "", "PEM root certificate for an HTTPS KBS")
	f.StringVar(&opts.path, "path", "default/load/key", "resource path repo/type/tag fetched by every flow")
	f.IntSliceVar(&opts.concurrency, "concurrency", []int{1, 8, 32}, "concurrent clients, one run per value")
	f.DurationVar(&opts.duration, "duration", defaultDuration, "how long each concurrency level runs")
	f.DurationVar(&opts.warmup, "warmup", defaultWarmup, "untimed load before each level's measurement")
	f.Float64Var(&opts.rate, "rate", 0, "start flows at this many per second, shared by the clients (0: each client back to back)")
	f.IntVar(&opts.maxFlows, "max-flows", 0, "stop each level after this many timed flows (0: only --duration)")
	f.StringVar(&opts.adminKey, "auth-private-key", "", "Ed25519 admin key: prepare the resource and an allow-all resource policy first")
	f.StringVar(&opts.keyAlgorithm, "tee-key-algorithm", "", "TEE key algorithm (default ECDH-ES+A256KW-P256)")
	f.BoolVar(&opts.keyPerFlow, "key-per-flow", false, "generate a new TEE key for every flow instead of one per client")
	return cmd
}
