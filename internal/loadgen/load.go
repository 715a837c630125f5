package loadgen

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	kbsclient "github.com/cocoon-cc/cocoon/client/kbs"
)

const (
	defaultDuration = 10 * time.Second
	defaultWarmup   = time.Second
	floorBudget     = 300 * time.Millisecond
	// allowAllPolicy lets every attested client read resources; the load
	// test uses the sample TEE, which the default policy refuses.
	allowAllPolicy = "package policy\n\ndefault allow := false\n\nallow if data.plugin == \"resource\"\n"
)

// Options is what to load and how; AddFlags binds them to command flags.
type Options struct {
	URL          string
	CertFile     string
	Path         string
	Concurrency  []int
	Duration     time.Duration
	Warmup       time.Duration
	Rate         float64
	MaxFlows     int
	AdminKey     string
	KeyAlgorithm string
	KeyPerFlow   bool
}

// levelResult is what one concurrency level measured.
type levelResult struct {
	concurrency int
	flows       int
	errors      int
	firstError  error
	elapsed     time.Duration
	latencies   []time.Duration
	// cpu is the CPU time the process used while the level was timed,
	// when known: a cost per flow that the machine's speed drifts affect
	// less than the rate.
	cpu      time.Duration
	cpuKnown bool
}

// Run measures the cryptographic floor, then runs every concurrency level
// and prints one table row per level. It fails if any flow failed.
func Run(ctx context.Context, out io.Writer, opts Options) error {
	if len(opts.Concurrency) == 0 || slices.ContainsFunc(opts.Concurrency, func(c int) bool { return c < 1 }) {
		return errors.New("--concurrency needs positive values")
	}
	if opts.Warmup < 0 || opts.Duration <= 0 || opts.Rate < 0 {
		return errors.New("--warmup and --rate must not be negative and --duration must be positive")
	}
	var rootPEM []byte
	if opts.CertFile != "" {
		var err error
		if rootPEM, err = os.ReadFile(opts.CertFile); err != nil {
			return fmt.Errorf("read --cert-file: %w", err)
		}
	}
	tlsConfig, err := rootTLSConfig(rootPEM)
	if err != nil {
		return err
	}
	base, err := url.Parse(opts.URL)
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	newGuest := func() (*guest, error) { return newGuestClient(base, tlsConfig, opts) }
	var want []byte
	if opts.AdminKey != "" {
		if want, err = prepare(ctx, opts, tlsConfig); err != nil {
			return err
		}
	}

	floor, err := measureFloor(floorBudget)
	if err != nil {
		return fmt.Errorf("measure cryptographic floor: %w", err)
	}
	if err := printFloor(out, floor); err != nil {
		return err
	}

	if _, err := fmt.Fprintf(out, "\nfull flows against %s (auth → attest → GET %s), %d CPUs shared by client and server\n%s\ncpu/flow: CPU time this process used while a level was timed, per flow\n",
		opts.URL, opts.Path, runtime.NumCPU(), loopDescription(opts)); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	if _, err := fmt.Fprintln(tw, "clients\tflows\terrors\tflows/s\tp50\tp90\tp99\tmax\tcpu/flow\t"); err != nil {
		return err
	}
	var failed error
	for _, c := range opts.Concurrency {
		res := runLevel(ctx, opts, newGuest, c, want)
		if err := printLevel(tw, res); err != nil {
			return err
		}
		if res.firstError != nil && failed == nil {
			failed = fmt.Errorf("%d of %d flows failed at %d clients; first: %w", res.errors, res.flows+res.errors, c, res.firstError)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return failed
}

// prepare stores a random resource and an allow-all resource policy.
func prepare(ctx context.Context, opts Options, tlsConfig *tls.Config) ([]byte, error) {
	key, err := os.ReadFile(opts.AdminKey)
	if err != nil {
		return nil, fmt.Errorf("read --auth-private-key: %w", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	httpClient := &http.Client{Transport: transport, Timeout: requestTimeout}
	defer httpClient.CloseIdleConnections()
	admin, err := kbsclient.NewAdmin(opts.URL, kbsclient.EdDSATokenSource(key), kbsclient.WithHTTPClient(httpClient))
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := admin.SetResource(ctx, opts.Path, secret); err != nil {
		return nil, fmt.Errorf("store the load-test resource: %w", err)
	}
	if err := admin.SetResourcePolicy(ctx, []byte(allowAllPolicy)); err != nil {
		return nil, fmt.Errorf("install the allow-all resource policy: %w", err)
	}
	return secret, nil
}

// runLevel runs flows from c guests, each with its own connection and TEE
// key, for the warm-up and then until the duration or flow budget is
// spent, back to back or at opts.Rate (see startClock). Only flows started
// after the warm-up are timed and counted; an error counts whenever it
// happens.
func runLevel(ctx context.Context, opts Options, newGuest func() (*guest, error), c int, want []byte) levelResult {
	res := levelResult{concurrency: c}
	guests := make([]*guest, c)
	for i := range guests {
		g, err := newGuest()
		if err != nil {
			res.errors, res.firstError = c, err
			return res
		}
		defer g.close()
		guests[i] = g
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Warmup+opts.Duration)
	defer cancel()
	var (
		mu       sync.Mutex
		measured atomic.Int64
		wg       sync.WaitGroup
	)
	begin := time.Now()
	measureFrom := begin.Add(opts.Warmup)
	clock := newStartClock(begin, opts.Rate)
	cpuAtStart := make(chan time.Duration, 1)
	timedStart := time.AfterFunc(opts.Warmup, func() {
		cpu, ok := processCPU()
		if ok {
			cpuAtStart <- cpu
		}
		close(cpuAtStart)
	})
	for _, g := range guests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			var errs int
			var first error
			for {
				t0, ok := clock.await(ctx)
				if !ok {
					break
				}
				timed := !t0.Before(measureFrom)
				if timed && opts.MaxFlows > 0 && measured.Add(1) > int64(opts.MaxFlows) {
					break
				}
				err := g.flow(ctx, opts.Path, want)
				if ctx.Err() != nil {
					break // a flow cut by the deadline is not counted
				}
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				if timed {
					local = append(local, time.Since(t0))
				}
			}
			mu.Lock()
			res.latencies = append(res.latencies, local...)
			res.errors += errs
			if res.firstError == nil {
				res.firstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(measureFrom)
	if !timedStart.Stop() { // the timed part began
		start, ok := <-cpuAtStart
		end, endOK := processCPU()
		res.cpu, res.cpuKnown = end-start, ok && endOK
	}
	res.flows = len(res.latencies)
	return res
}

func loopDescription(opts Options) string {
	if opts.Rate > 0 {
		return fmt.Sprintf("open loop: flows start at %.0f/s shared by the clients; latency runs from each flow's scheduled start", opts.Rate)
	}
	return "closed loop: each client starts its next flow when the last one ends"
}

func rootTLSConfig(rootPEM []byte) (*tls.Config, error) {
	if len(rootPEM) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(rootPEM) {
		return nil, errors.New("--cert-file holds no PEM certificate")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func printLevel(w io.Writer, r levelResult) error {
	slices.Sort(r.latencies)
	rate := float64(r.flows) / r.elapsed.Seconds()
	cpu := "-"
	if r.cpuKnown && r.flows > 0 {
		cpu = us(r.cpu / time.Duration(r.flows))
	}
	_, err := fmt.Fprintf(w, "%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", r.concurrency, r.flows, r.errors, rate,
		ms(percentile(r.latencies, 0.50)), ms(percentile(r.latencies, 0.90)),
		ms(percentile(r.latencies, 0.99)), ms(percentile(r.latencies, 1)), cpu)
	return err
}

func printFloor(w io.Writer, floor []floorResult) error {
	if _, err := fmt.Fprintln(w, "cryptographic floor of one flow on the server (measured now, one core):"); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range floor {
		if _, err := fmt.Fprintf(tw, "  %s\t%s\t(%d samples)\n", f.name, us(f.perOp), f.samples); err != nil {
			return err
		}
	}
	total := sumFloor(floor)
	if _, err := fmt.Fprintf(tw, "  total per flow\t%s\t→ at most %.0f flows/s per core from cryptography alone\n",
		us(total), float64(time.Second)/float64(total)); err != nil {
		return err
	}
	return tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond)) }
