package loadgen

import (
	"github.com/spf13/pflag"
)

// HowItMeasures explains the table Run prints, for commands' long help.
const HowItMeasures = `Each client is one simulated guest: its own keep-alive connection, and one
TEE key for all its flows as upstream's attestation agent keeps one per
process (--key-per-flow makes a new key for every flow instead). Every flow
is a new session, and its resource is decrypted and compared with what was
stored. Each level first runs --warmup, whose flows are not timed, so that
connections, caches and the server's heap reach their steady state.

By default each client starts its next flow as soon as the last one ends
(closed loop): flows per second is then the most the server gives, and the
latency is mostly queueing, since each of N clients waits for the others'
flows (p50 is about N divided by the rate). With --rate, flows start on a
fixed schedule shared by the clients (open loop, as wrk2 does): the table
then shows the latency a guest sees at that load, measured from each flow's
scheduled start so that a server falling behind is not hidden.

The cpu/flow column is the CPU time this process used while the level was
timed, divided by its flows: for kbs-load the simulated guests' share, for
trustee bench the server's and the guests' together. It drifts less than
flows/s when the machine's speed does.

Before the load it measures the cryptographic floor of one flow on this
machine (ES256 sign + verify of the token, ECDH-ES+A256KW wrap of the
resource, JCS + SHA-384 of the runtime data) so the numbers can be read
against what the hardware allows.`

// AddLoadFlags binds the shape of the load: what each flow fetches, how
// many clients, for how long and at what rate.
func (o *Options) AddLoadFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Path, "path", "default/load/key", "resource path repo/type/tag fetched by every flow")
	f.IntSliceVar(&o.Concurrency, "concurrency", []int{1, 8, 32}, "concurrent clients, one run per value")
	f.DurationVar(&o.Duration, "duration", defaultDuration, "how long each concurrency level runs")
	f.DurationVar(&o.Warmup, "warmup", defaultWarmup, "untimed load before each level's measurement")
	f.Float64Var(&o.Rate, "rate", 0, "start flows at this many per second, shared by the clients (0: each client back to back)")
	f.IntVar(&o.MaxFlows, "max-flows", 0, "stop each level after this many timed flows (0: only --duration)")
	f.StringVar(&o.KeyAlgorithm, "tee-key-algorithm", "", "TEE key algorithm (default ECDH-ES+A256KW-P256)")
	f.BoolVar(&o.KeyPerFlow, "key-per-flow", false, "generate a new TEE key for every flow instead of one per client")
}

// AddTargetFlags binds where the KBS is and how to prepare it.
func (o *Options) AddTargetFlags(f *pflag.FlagSet) {
	f.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "KBS base URL")
	f.StringVar(&o.CertFile, "cert-file", "", "PEM root certificate for an HTTPS KBS")
	f.StringVar(&o.AdminKey, "auth-private-key", "", "Ed25519 admin key: prepare the resource and an allow-all resource policy first")
}
