package restapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cocoon-cc/cocoon/internal/guest/aa"
	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/cdh"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
)

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a=1&a=2", "runtime_data=%FF%E2%82&encoding=base64", "&&=&+%2", "a=\xed\xa0\x80"} {
		f.Add(s, "runtime_data", "x y+z")
	}
	f.Fuzz(func(t *testing.T, raw, name, value string) {
		for k, v := range parseQuery(raw) {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("parseQuery(%q) kept invalid UTF-8: %q=%q", raw, k, v)
			}
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return
		}
		// What a client's form encoder writes decodes back.
		q := url.Values{name: {value}}.Encode()
		if got, ok := parseQuery(q)[name]; !ok || got != value {
			t.Fatalf("parseQuery(%q)[%q] = %q, %v; want %q", q, name, got, ok, value)
		}
	})
}

func FuzzLossyUTF8(f *testing.F) {
	for _, s := range []string{"", "é", "\xe1\x80\xe2\xf0\x91\x92\xf1\xbf\x41", "\xed\xa0\x80", "\xf4\x90\x80\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := lossyUTF8(b)
		if !utf8.ValidString(got) {
			t.Fatalf("lossyUTF8(%x) is not UTF-8", b)
		}
		if utf8.Valid(b) && got != string(b) {
			t.Fatalf("lossyUTF8 changed valid UTF-8 %q to %q", b, got)
		}
		// Each replacement stands for at least one byte and at most a
		// sequence's three leading bytes.
		replaced := strings.Count(got, "\uFFFD") - strings.Count(strings.ToValidUTF8(string(b), ""), "\uFFFD")
		if replaced < 0 || replaced > len(b) || !utf8.Valid(b) && replaced == 0 {
			t.Fatalf("lossyUTF8(%x) = %q: %d replacements", b, got, replaced)
		}
	})
}

func FuzzSplitAtSecondSlash(f *testing.F) {
	for _, s := range []string{"/cdh/resource/a/b/c", "/aa/token", "//", "/info", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		head, tail, ok := splitAtSecondSlash(p)
		if !ok {
			if strings.Count(p, "/") >= 2 {
				t.Fatalf("%q has two slashes but did not split", p)
			}
			return
		}
		if head+tail != p || strings.Count(head, "/") != 1 || !strings.HasPrefix(tail, "/") {
			t.Fatalf("splitAtSecondSlash(%q) = %q, %q", p, head, tail)
		}
	})
}

func FuzzParseAAELEvent(f *testing.F) {
	for _, s := range []string{
		`{"domain":"d","operation":"o","content":"c"}`, `["d","o","c"]`, `{"domain":"d","domain":"d"}`,
		`{"x":[{}],"domain":"","operation":"","content":"\u00e9"}`, `{} {}`, `[`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseAAELEvent(body)
		if err != nil {
			return
		}
		again, _ := json.Marshal(map[string]string{"domain": ev.Domain, "operation": ev.Operation, "content": ev.Content})
		if ev2, err := parseAAELEvent(again); err != nil || ev2 != ev {
			t.Fatalf("%q parsed as %+v, which re-encodes to %s and parses as %+v, %v", body, ev, again, ev2, err)
		}
	})
}

// FuzzRouter sends arbitrary requests to a router over the agent's and
// the CDH's real services, called in process: every answer must be one
// of upstream's statuses, and nothing may panic.
func FuzzRouter(f *testing.F) {
	for _, s := range []struct{ method, target, body string }{
		{"GET", "/info", ""},
		{"GET", "/cdh/resource/default/key/1?x", ""},
		{"GET", "/cdh/resource/../../etc/passwd", ""},
		{"GET", "/aa/evidence?runtime_data=%FF&encoding=base64", ""},
		{"GET", "/aa/additional-evidence?runtime_data=eHh4eA&encoding=base64", ""},
		{"GET", "/aa/token?token_type=kbs", ""},
		{"POST", "/aa/aael", `{"domain":"d","operation":"o","content":"c"}`},
		{"POST", "/aa/aael", `["d","o"`},
		{"DELETE", "//aa/%2e%2e/", ""},
	} {
		f.Add(s.method, s.target, []byte(s.body))
	}
	rt := inProcessRouter(f)
	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil || method == "" {
			return
		}
		req := (&http.Request{Method: method, URL: u, Header: http.Header{}, RemoteAddr: "127.0.0.1:1"}).WithContext(context.Background())
		req.Body = http.NoBody
		if len(body) > 0 {
			req.Body = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)).Body
		}
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusInternalServerError:
		default:
			t.Fatalf("%s %s: status %d", method, target, rec.Code)
		}
	})
}

// inProcessRouter serves every feature from services in this process: a
// sample agent without a KBS and a CDH over offline_fs_kbc resources.
func inProcessRouter(tb testing.TB) *Router {
	tb.Helper()
	dir := tb.TempDir()
	cfg := aa.DefaultConfig()
	cfg.EventlogConfig.EnableEventlog = true
	agent, err := aa.New(context.Background(), aa.Options{
		Config: cfg, Primary: attester.Sample{},
		EventLog: eventlog.Config{Path: filepath.Join(dir, "eventlog"), WALPath: filepath.Join(dir, ".wal")},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = agent.Close() })
	resources := filepath.Join(dir, "resources.json")
	if err := writeJSON(resources, map[string]string{"default/key/1": "c2VjcmV0"}); err != nil {
		tb.Fatal(err)
	}
	offline, err := cdh.LoadOfflineFS([]string{resources})
	if err != nil {
		tb.Fatal(err)
	}
	return NewRouter(Options{
		Attestation: aa.NewService(agent),
		Resources:   cdh.NewService(cdh.ServiceOptions{Resources: offline}),
		Feature:     FeatureAll,
		Version:     "fuzz",
	})
}
