package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/ttrpc"
)

// guestPolicy releases every resource to an attested guest except those
// of type "denied", so the tests can see a refusal by policy.
const guestPolicy = `package policy

default allow := false

allow if {
	data.plugin == "resource"
	data["resource-path"][1] != "denied"
}
`

// guestInitData is the init-data document the agent is started with.
const guestInitData = `version = "0.1.0"
algorithm = "sha384"

[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://127.0.0.1:8080"
'''
`

// guestStack is a Trustee and the three guest processes, wired as
// kata-agent wires them, over unix sockets in a temporary directory and
// api-server-rest on a loopback port.
type guestStack struct {
	node     *node
	trustee  *server
	dir      string
	aaSock   string // unix socket paths
	cdhSock  string
	aa       *process
	cdh      *process
	asr      *process
	asrURL   string
	features string
	// procs are the guest's processes: the three, or the one of
	// cocoon-guest.
	procs []*process
}

type guestStackOptions struct {
	features       string // api-server-rest --features; "" is all
	enableEventlog bool
}

// newGuestStack starts Trustee with the guest policy and writes the
// guest's configuration files.
func newGuestStack(t *testing.T, o guestStackOptions) (g *guestStack, aaConfig, cdhConfig, initData string) {
	t.Helper()
	if o.features == "" {
		o.features = "all"
	}
	n := newNode(t)
	g = &guestStack{node: n, trustee: n.start(t), dir: shortDir(t), features: o.features}
	g.aaSock, g.cdhSock = filepath.Join(g.dir, "aa.sock"), filepath.Join(g.dir, "cdh.sock")
	policy := writeFile(t, g.dir, "policy.rego", []byte(guestPolicy))
	mustSucceed(t, g.trustee.admin(t, n.adminKey, "set-resource-policy", "--policy-file", policy))
	aaConfig = writeFile(t, g.dir, "aa.toml", []byte(fmt.Sprintf("[token_configs.kbs]\nurl = %q\n\n[eventlog_config]\nenable_eventlog = %v\n",
		g.trustee.url, o.enableEventlog)))
	cdhConfig = writeFile(t, g.dir, "cdh.toml", []byte(fmt.Sprintf("socket = %q\n\n[aa]\naa_socket = %q\n\n[kbc]\nname = \"cc_kbc\"\nurl = %q\n",
		"unix://"+g.cdhSock, "unix://"+g.aaSock, g.trustee.url)))
	initData = writeFile(t, g.dir, "initdata.toml", []byte(guestInitData))
	return g, aaConfig, cdhConfig, initData
}

// startGuestStack runs the three guest commands as kata-agent does.
func startGuestStack(t *testing.T, o guestStackOptions) *guestStack {
	t.Helper()
	g, aaConfig, cdhConfig, initData := newGuestStack(t, o)
	g.aa = startProcess(t, "attestation-agent", "--attestation_sock", "unix://"+g.aaSock, "-c", aaConfig, "--initdata-toml", initData)
	g.aa.waitForSocket(t, g.aaSock)
	g.cdh = startProcess(t, "confidential-data-hub", "-c", cdhConfig)
	g.cdh.waitForSocket(t, g.cdhSock)
	g.startASR(t, "api-server-rest", func(addr string) []string {
		return []string{"--bind", addr, "--features", g.features, "--aa_addr", "unix://" + g.aaSock, "--cdh_addr", "unix://" + g.cdhSock}
	})
	g.procs = []*process{g.aa, g.cdh, g.asr}
	return g
}

// startOneProcessGuest runs the same guest as cocoon-guest.
func startOneProcessGuest(t *testing.T, o guestStackOptions) *guestStack {
	t.Helper()
	g, aaConfig, cdhConfig, initData := newGuestStack(t, o)
	g.startASR(t, "cocoon-guest", func(addr string) []string {
		return []string{"--attestation_sock", "unix://" + g.aaSock, "--aa-config", aaConfig, "--initdata-toml", initData,
			"--cdh-config", cdhConfig, "--rest-bind", addr, "--rest-features", g.features}
	})
	g.aa, g.cdh = g.asr, g.asr
	g.asr.waitForSocket(t, g.aaSock)
	g.asr.waitForSocket(t, g.cdhSock)
	g.procs = []*process{g.asr}
	return g
}

// startASR runs the command serving the REST API on a free port,
// retrying when another process takes the port first.
func (g *guestStack) startASR(t *testing.T, name string, argsFor func(addr string) []string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		g.asr = startProcess(t, name, argsFor(addr)...)
		g.asrURL = "http://" + addr
		err := g.waitForASR()
		if err == nil {
			return
		}
		if attempt < startAttempts && strings.Contains(g.asr.stderr.String(), "address already in use") {
			g.asr.stop(t) // it exited on its own; stop only reaps it
			continue
		}
		t.Fatalf("%s not ready: %v\n%s", name, err, g.asr.stderr.String())
	}
}

func (g *guestStack) waitForASR() error {
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := http.Get(g.asrURL + "/info")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-g.asr.exited:
			return fmt.Errorf("exited: %v", g.asr.cmd.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// setResource stores data in the KBS with kbs-client, as an operator does.
func (g *guestStack) setResource(t *testing.T, path string, data []byte) {
	t.Helper()
	file := writeFile(t, t.TempDir(), "resource", data)
	mustSucceed(t, g.trustee.admin(t, g.node.adminKey, "set-resource", "--path", path, "--resource-file", file))
}

// restGet is a GET of api-server-rest; it returns the status and body.
func (g *guestStack) restGet(t *testing.T, client *http.Client, target string) (int, []byte) {
	t.Helper()
	return g.restDo(t, client, http.MethodGet, target, nil)
}

func (g *guestStack) restDo(t *testing.T, client *http.Client, method, target string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, g.asrURL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// ttrpcClient connects to a guest process's unix socket.
func ttrpcClient(t *testing.T, path string) *ttrpc.Client {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := ttrpc.NewClient(conn)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func readFileT(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
