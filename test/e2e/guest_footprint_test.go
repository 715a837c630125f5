package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Footprint bounds. The target is the issue's: the guest's processes
// under 40 MiB of RSS together. A Go heap grows to its collector's goal
// over the first fetches and then stays there, so growth is measured over
// a second round of fetches, after the first settled it: allowed the
// larger of 5 MiB and 20 %, which a per-request leak (a goroutine, a
// connection, a buffer kept) of more than about 5 KiB exceeds.
const (
	footprintFetches    = 1000
	footprintTargetKiB  = 40 * 1024
	footprintSlackKiB   = 5 * 1024
	footprintSlackRatio = 0.20
	footprintFDSlack    = 4 // pooled keep-alive connections may come and go
)

// The guest's memory as kata-agent runs it (--features resource), as
// three processes and as one (cocoon-guest): RSS idle, after 1,000
// resource fetches through the REST API and after 1,000 more, and the
// sizes of the static, stripped binaries. Both stay under the target and
// stop growing. Run with -v to see the numbers; docs/guest.md records them.
func TestGuestFootprint(t *testing.T) {
	t.Parallel()
	three := footprint(t, startGuestStack(t, guestStackOptions{features: "resource"}))
	one := footprint(t, startOneProcessGuest(t, guestStackOptions{features: "resource"}))

	var sizes strings.Builder
	for _, name := range []string{"attestation-agent", "confidential-data-hub", "api-server-rest", "cocoon-guest"} {
		info, err := os.Stat(guestBinary(t, name))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sizes, "binary %-22s %6.1f MiB (CGO_ENABLED=0 -trimpath -ldflags='-s -w')\n", name, float64(info.Size())/(1<<20))
	}
	t.Logf("binaries:\n%s", sizes.String())

	// The target holds for the three processes kata-agent starts, and for
	// the one that replaces them.
	if three > footprintTargetKiB {
		t.Errorf("attestation-agent, confidential-data-hub and api-server-rest use %d KiB of RSS together, over the %d KiB target", three, footprintTargetKiB)
	}
	if one > footprintTargetKiB {
		t.Errorf("cocoon-guest uses %d KiB of RSS, over the %d KiB target", one, footprintTargetKiB)
	}
	if one >= three {
		t.Errorf("one process (%d KiB) does not save memory over three (%d KiB)", one, three)
	}
}

// footprint fetches a resource through the guest's REST API, reports the
// memory of its processes, checks that it stops growing once settled and
// returns the RSS in KiB at the end.
func footprint(t *testing.T, g *guestStack) int {
	t.Helper()
	secretBytes := randomSecret(t)
	path := "default/key/" + g.asr.name
	g.setResource(t, path, secretBytes)

	idle := measure(t, g.procs)
	client := &http.Client{}
	fetch := func(n int) {
		for i := range n {
			if code, body := g.restGet(t, client, "/cdh/resource/"+path); code != http.StatusOK || !bytes.Equal(body, secretBytes) {
				t.Fatalf("fetch %d: %d %q", i, code, body)
			}
		}
	}
	fetch(footprintFetches)
	warm := measure(t, g.procs)
	fetch(footprintFetches)
	after := measure(t, g.procs)

	var report strings.Builder
	fmt.Fprintf(&report, "%-22s %9s %9s %9s %9s %9s %7s\n", "process", "idle KiB", "1000 KiB", "2000 KiB", "anon KiB", "peak KiB", "fds")
	var sum [4]int
	for i, p := range g.procs {
		fmt.Fprintf(&report, "%-22s %9d %9d %9d %9d %9d %3d→%d\n", p.name, idle[i].rss, warm[i].rss, after[i].rss, after[i].anon, after[i].hwm, warm[i].fds, after[i].fds)
		sum[0] += idle[i].rss
		sum[1] += warm[i].rss
		sum[2] += after[i].rss
		sum[3] += after[i].anon
		if after[i].fds > warm[i].fds+footprintFDSlack {
			t.Errorf("%s: open files grew from %d to %d over %d fetches", p.name, warm[i].fds, after[i].fds, footprintFetches)
		}
	}
	fmt.Fprintf(&report, "%-22s %9d %9d %9d %9d\n", "total", sum[0], sum[1], sum[2], sum[3])
	t.Logf("guest footprint, fetches of a %d-byte resource (anon and peak after 2000):\n%s", len(secretBytes), report.String())

	if allowed := max(footprintSlackKiB, int(float64(sum[1])*footprintSlackRatio)); sum[2]-sum[1] > allowed {
		t.Errorf("RSS grew by %d KiB over fetches 1001-2000, more than %d KiB", sum[2]-sum[1], allowed)
	}
	return sum[2]
}

// usage is one process's memory and open files.
type usage struct {
	rss, hwm int // KiB: VmRSS and its peak VmHWM
	anon     int // KiB: RssAnon, the part of VmRSS that is the process's own
	fds      int
}

func measure(t *testing.T, procs []*process) []usage {
	t.Helper()
	out := make([]usage, len(procs))
	for i, p := range procs {
		p.running(t)
		pid := p.cmd.Process.Pid
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatal(err)
		}
		out[i].rss = statusKiB(t, status, "VmRSS")
		out[i].hwm = statusKiB(t, status, "VmHWM")
		out[i].anon = statusKiB(t, status, "RssAnon")
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			t.Fatal(err)
		}
		out[i].fds = len(fds)
	}
	return out
}

// statusKiB reads a "<field>:   <n> kB" line of /proc/<pid>/status.
func statusKiB(t *testing.T, status []byte, field string) int {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		if err != nil {
			t.Fatalf("/proc status %s: %q", field, value)
		}
		return n
	}
	t.Fatalf("/proc status has no %s", field)
	return 0
}
