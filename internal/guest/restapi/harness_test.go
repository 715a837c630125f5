package restapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/containerd/ttrpc"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/attester/attestertest"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/internal/trustee/trusteetest"
)

// denyingPolicy releases resources to the sample TEE except under
// default/denied, so that a refusal by policy can be seen.
const denyingPolicy = `package policy

default allow := false

allow if {
	data.plugin == "resource"
	data["resource-path"][1] != "denied"
}
`

// initDataTOML is the init-data the test agent is started with.
const initDataTOML = `version = "0.1.0"
algorithm = "sha384"

[data]
"policy.rego" = "package agent_policy"
`

// guestOptions vary the guest a test runs.
type guestOptions struct {
	feature Feature
	// tee is the agent's TEE; nil is a sample TEE with software registers.
	tee      attester.Attester
	devices  []attester.Attester
	eventLog bool // eventlog_config.enable_eventlog
}

// guest is a Trustee, a real attestation-agent and CDH serving ttRPC on
// unix sockets, and api-server-rest in front of them on loopback HTTP.
type guest struct {
	trustee  *trusteetest.Trustee
	measured *attestertest.Measured // the TEE, when it is the default one
	eventLog eventlog.Config
	aaAddr   string
	cdhAddr  string
	cdhStop  func() // stops the CDH server early
	router   *Router
	url      string
}

func newGuest(t testing.TB, o guestOptions) *guest {
	t.Helper()
	if o.feature == "" {
		o.feature = FeatureAll
	}
	dir := shortTempDir(t)
	g := &guest{
		trustee:  trusteetest.New(t, trusteetest.WithSampleTEE(), trusteetest.WithResourcePolicy(denyingPolicy)),
		eventLog: eventlog.Config{Path: filepath.Join(dir, "eventlog"), WALPath: filepath.Join(dir, ".wal")},
		aaAddr:   "unix://" + filepath.Join(dir, "aa.sock"),
		cdhAddr:  "unix://" + filepath.Join(dir, "cdh.sock"),
	}
	if o.tee == nil {
		g.measured = attestertest.NewMeasured()
		o.tee = g.measured
	}
	g.startAA(t, o)
	g.cdhStop = g.startCDH(t)

	opts := Options{Feature: o.feature, Version: "test-version"}
	if o.feature.Attestation() {
		c, err := NewAAClient(g.aaAddr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		opts.Attestation = c
	}
	if o.feature.Resource() {
		c, err := NewCDHClient(g.cdhAddr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		opts.Resources = c
	}
	g.router = NewRouter(opts)
	srv := httptest.NewServer(g.router)
	t.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

// startAA runs the attestation-agent, attesting to the Trustee.
func (g *guest) startAA(t testing.TB, o guestOptions) {
	t.Helper()
	cfg := aa.DefaultConfig()
	cfg.TokenConfigs.KBS = &aa.KBSConfig{URL: g.trustee.URL}
	cfg.EventlogConfig.EnableEventlog = o.eventLog
	agent, err := aa.New(t.Context(), aa.Options{
		Config: cfg, Primary: o.tee, Devices: o.devices, EventLog: g.eventLog,
		InitData: aa.InitData{TOML: []byte(initDataTOML)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agent.Close() })
	l, err := aa.ListenUnix(g.aaAddr)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	aa.NewService(agent).RegisterTTRPC(srv)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; err != nil && !errors.Is(err, ttrpc.ErrServerClosed) {
			t.Errorf("attestation-agent: %v", err)
		}
	})
}

// startCDH runs the CDH, which gets tokens from the agent, and returns a
// function that stops it (also called when the test ends).
func (g *guest) startCDH(t testing.TB) (stop func()) {
	t.Helper()
	tokens, err := cdh.NewAATokens(g.aaAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tokens.Close() })
	kbs, err := cdh.NewKBS(g.trustee.URL, "", tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := cdh.Listen(g.cdhAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cdh.Serve(ctx, l, cdh.NewService(cdh.ServiceOptions{Resources: kbs})) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("confidential-data-hub: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// response is what the API answered.
type response struct {
	status      int
	contentType []string
	body        []byte
}

// do sends a request to the running API over loopback.
func (g *guest) do(t *testing.T, method, target string, body []byte) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, g.url+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Values("Content-Type"), body: b}
}

func (g *guest) get(t *testing.T, target string) response {
	t.Helper()
	return g.do(t, http.MethodGet, target, nil)
}

// want fails the test unless the answer has the status, the
// Content-Type (none for "") and, unless body is nil, that body.
func (r response) want(t *testing.T, status int, contentType string, body []byte) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (body %q)", r.status, status, r.body)
	}
	if got := r.contentType; contentType == "" && len(got) != 0 || contentType != "" && (len(got) != 1 || got[0] != contentType) {
		t.Errorf("Content-Type %q, want %q", got, contentType)
	}
	if body != nil && !bytes.Equal(r.body, body) {
		t.Errorf("body %q, want %q", r.body, body)
	}
}

// wantText is want for upstream's plain error answers.
func (r response) wantText(t *testing.T, status int, body string) {
	t.Helper()
	r.want(t, status, "", []byte(body))
}

// shortTempDir is a temporary directory short enough for socket paths.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "asr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
