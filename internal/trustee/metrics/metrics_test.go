package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

func TestExpositionUsesUpstreamNames(t *testing.T) {
	m := New(BuildInfo{Version: "1.2.3", GitHash: "abc", BuildDate: "today"})
	m.ResourceReads.WithLabelValues("default/key/1").Inc()
	m.ResourceReads.WithLabelValues("default/key/1").Inc()
	m.AttestationSuccesses.WithLabelValues("sample").Inc()
	m.AttestationFailures.WithLabelValues("sample").Inc()
	text := scrape(t, m)
	for _, want := range []string{
		`kbs_build_info{build_date="today",git_hash="abc",version="1.2.3"} 1`,
		`kbs_resource_reads_total{resource_path="default/key/1"} 2`,
		`kbs_attestation_successes_total{tee_type="sample"} 1`,
		`kbs_attestation_failures_total{tee_type="sample"} 1`,
		`kbs_http_request_duration_seconds_bucket{le="0.0005"} 0`,
		`kbs_http_request_size_bytes_bucket{le="8192"} 0`,
		"kbs_policy_evaluations_total 0",
		"kbs_auth_requests_total 0",
		"kbs_http_active_connections 0",
		`kbs_request_queue_wait_seconds_bucket{le="0.001"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestMetricsRefusesPost(t *testing.T) {
	rec := httptest.NewRecorder()
	New(BuildInfo{}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /metrics = %d, want 405", rec.Code)
	}
}

func TestInstrumentCountsOnlyKBSPaths(t *testing.T) {
	m := New(BuildInfo{})
	h := m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	for _, path := range []string{"/kbs/v0/auth", "/kbs/v0/attest", "/healthz"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}")))
	}
	text := scrape(t, m)
	for _, want := range []string{
		"kbs_http_requests_total 2",
		"kbs_http_request_duration_seconds_count 2",
		"kbs_http_request_size_bytes_sum 4",
		"kbs_http_response_size_bytes_sum 10",
		"kbs_http_active_connections 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestHealthz(t *testing.T) {
	rec := httptest.NewRecorder()
	Healthz().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /healthz = %d", rec.Code)
	}
}

func TestPolicyDecisions(t *testing.T) {
	m := New(BuildInfo{})
	m.WatchPolicyDecisions(func(report func(string, uint64, uint64)) {
		report("appraisal", 3, 40)
		report("resource", 5, 0)
	})
	text := scrape(t, m)
	for _, want := range []string{
		`kbs_policy_decisions_total{answered_by="opa",kind="appraisal"} 3`,
		`kbs_policy_decisions_total{answered_by="memo",kind="appraisal"} 40`,
		`kbs_policy_decisions_total{answered_by="opa",kind="resource"} 5`,
		`kbs_policy_decisions_total{answered_by="memo",kind="resource"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}
