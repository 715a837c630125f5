package e2e

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// loadRow is one concurrency level of kbs-load's report.
type loadRow struct {
	clients, flows, errors int
}

// loadRowPattern matches a result row: clients, flows, errors, then the
// rate, the latencies and the CPU per flow.
var loadRowPattern = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\d+\.\dµs)\s*$`)

// parseLoadRows reads the rows of the table that follows the header line
// starting with "clients".
func parseLoadRows(t *testing.T, out string) []loadRow {
	t.Helper()
	var rows []loadRow
	inTable := false
	for line := range strings.Lines(out) {
		if strings.HasPrefix(strings.TrimSpace(line), "clients") {
			inTable = true
			continue
		}
		m := loadRowPattern.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if !inTable || m == nil {
			continue
		}
		var row loadRow
		row.clients, _ = strconv.Atoi(m[1])
		row.flows, _ = strconv.Atoi(m[2])
		row.errors, _ = strconv.Atoi(m[3])
		rows = append(rows, row)
	}
	return rows
}

// kbs-load drives full flows (auth, attest, resource) against a running
// trustee, and the server's metrics then account for them.
func TestLoadGeneratorAndMetrics(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	s := n.start(t)

	r := mustSucceed(t, run(t, bin.kbsLoad, "--url", s.url, "--max-flows", "50", "--duration", "10s",
		"--concurrency", "1,4", "--auth-private-key", n.adminKey))
	if !strings.Contains(r.stdout, "cryptographic floor") {
		t.Errorf("kbs-load output has no cryptographic floor section:\n%s", r)
	}
	for _, op := range []string{"ES256 sign", "ES256 verify", "ECDH-ES+A256KW", "JCS + SHA-384"} {
		if !strings.Contains(r.stdout, op) {
			t.Errorf("floor section does not measure %s:\n%s", op, r)
		}
	}
	rows := parseLoadRows(t, r.stdout)
	if len(rows) != 2 || rows[0].clients != 1 || rows[1].clients != 4 {
		t.Fatalf("kbs-load rows = %+v, want one for 1 and one for 4 clients:\n%s", rows, r)
	}
	flows := 0
	for _, row := range rows {
		if row.flows == 0 || row.errors != 0 {
			t.Errorf("%d clients: %d flows, %d errors; want some flows and no error:\n%s", row.clients, row.flows, row.errors, r)
		}
		flows += row.flows
	}

	metrics := scrapeMetrics(t, s)
	successes := metrics[`kbs_attestation_successes_total{tee_type="sample"}`]
	if successes < float64(flows) {
		t.Errorf("kbs_attestation_successes_total{tee_type=\"sample\"} = %v, want at least the %d flows", successes, flows)
	}
	// Every flow is three requests: auth, attest, resource.
	if got := metrics["kbs_http_requests_total"]; got < float64(3*flows) {
		t.Errorf("kbs_http_requests_total = %v, want at least %d", got, 3*flows)
	}
	// Every /attest is one appraisal. The sample guests present the same
	// claims, so after the first OPA evaluation the memo answers.
	byOPA := metrics[`kbs_policy_decisions_total{answered_by="opa",kind="appraisal"}`]
	byMemo := metrics[`kbs_policy_decisions_total{answered_by="memo",kind="appraisal"}`]
	if byOPA+byMemo < float64(flows) || byOPA < 1 || byMemo < float64(flows)/2 {
		t.Errorf("appraisals: %v by OPA, %v from the memo; want at least %d together, mostly from the memo", byOPA, byMemo, flows)
	}
}

// With --rate the flows start on a schedule (open loop), and with
// --key-per-flow each flow has its own TEE key; both still complete every
// flow they start.
func TestLoadGeneratorOpenLoop(t *testing.T) {
	t.Parallel()
	n := newNode(t)
	s := n.start(t)

	r := mustSucceed(t, run(t, bin.kbsLoad, "--url", s.url, "--rate", "100", "--warmup", "0", "--duration", "1s",
		"--concurrency", "2", "--key-per-flow", "--auth-private-key", n.adminKey))
	if !strings.Contains(r.stdout, "open loop: flows start at 100/s") {
		t.Errorf("kbs-load does not say it ran an open loop at 100/s:\n%s", r)
	}
	rows := parseLoadRows(t, r.stdout)
	if len(rows) != 1 || rows[0].flows == 0 || rows[0].errors != 0 {
		t.Fatalf("kbs-load rows = %+v, want one level with flows and no error:\n%s", rows, r)
	}
	// The schedule offers 100 flows in 1 s; none may be invented.
	if rows[0].flows > 101 {
		t.Errorf("%d flows from a schedule of 100/s for 1 s", rows[0].flows)
	}
}

// trustee bench serves the development configuration in its own process
// from a temporary directory, loads it with the same generator, and
// leaves nothing behind.
func TestTrusteeBench(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	cmd := exec.Command(bin.trustee, "bench", "--concurrency", "1,4", "--duration", "500ms", "--warmup", "100ms")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("trustee bench: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "cryptographic floor") || !strings.Contains(string(out), "in this process") {
		t.Errorf("trustee bench output lacks the floor or the setting:\n%s", out)
	}
	rows := parseLoadRows(t, string(out))
	if len(rows) != 2 || rows[0].clients != 1 || rows[1].clients != 4 {
		t.Fatalf("trustee bench rows = %+v, want one for 1 and one for 4 clients:\n%s", rows, out)
	}
	for _, row := range rows {
		if row.flows == 0 || row.errors != 0 {
			t.Errorf("%d clients: %d flows, %d errors; want some flows and no error:\n%s", row.clients, row.flows, row.errors, out)
		}
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("trustee bench left %d entries in its temporary directory, first %s", len(left), left[0].Name())
	}
}

// scrapeMetrics reads /metrics into a map from series (name and labels, as
// written) to value.
func scrapeMetrics(t *testing.T, s *server) map[string]float64 {
	t.Helper()
	status, body := s.get(t, "/metrics", nil)
	if status != 200 {
		t.Fatalf("GET /metrics: %d\n%s", status, body)
	}
	series := map[string]float64{}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := cutLast(line, " ")
		v, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil {
			t.Fatalf("metrics line %q is not `series value`", line)
		}
		series[name] = v
	}
	if len(series) == 0 {
		t.Fatal("GET /metrics returned no series")
	}
	return series
}

// cutLast is strings.Cut at the last occurrence of sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
