// Package metrics is the KBS Prometheus registry. Metric names, labels and
// buckets are upstream Trustee's, so existing dashboards keep working.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// BuildInfo labels the kbs_build_info metric.
type BuildInfo struct {
	Version   string
	GitHash   string
	BuildDate string
}

// Metrics holds every KBS metric on its own registry, so that several
// servers in one process (tests) do not collide.
type Metrics struct {
	registry *prometheus.Registry

	httpRequests     prometheus.Counter
	httpDuration     prometheus.Histogram
	httpRequestSize  prometheus.Histogram
	httpResponseSize prometheus.Histogram
	activeRequests   prometheus.Gauge

	ResourceReads   *prometheus.CounterVec
	ResourceWrites  *prometheus.CounterVec
	ResourceDeletes *prometheus.CounterVec

	PolicyEvaluations prometheus.Counter
	PolicyApprovals   prometheus.Counter
	PolicyViolations  prometheus.Counter
	PolicyErrors      prometheus.Counter

	AttestationRequests  prometheus.Counter
	AttestationSuccesses *prometheus.CounterVec
	AttestationFailures  *prometheus.CounterVec
	AttestationErrors    prometheus.Counter

	AuthRequests  prometheus.Counter
	AuthSuccesses prometheus.Counter
	AuthErrors    prometheus.Counter

	// QueueWait is Cocoon's own (upstream has no request queue): how long
	// attestation requests waited for a worker. A p99 that grows while
	// kbs_http_request_duration_seconds does not means more workers or
	// more replicas are needed.
	QueueWait prometheus.Histogram
}

// Upstream's buckets: latency from 0.5 ms to 1 s, sizes 32 B × 4^n.
var (
	durationBuckets = []float64{0.0005, 0.001, 0.005, 0.01, 0.05, 0.5, 1}
	sizeBuckets     = prometheus.ExponentialBuckets(32, 4, 5)
	queueBuckets    = []float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5}
)

// New returns a registry holding every KBS metric, with kbs_build_info set.
func New(info BuildInfo) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	counterVec := func(name, help, label string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
	}
	histogram := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	}
	m := &Metrics{
		registry:         prometheus.NewRegistry(),
		httpRequests:     counter("kbs_http_requests_total", "Total HTTP requests count"),
		httpDuration:     histogram("kbs_http_request_duration_seconds", "Distribution of request handling duration", durationBuckets),
		httpRequestSize:  histogram("kbs_http_request_size_bytes", "Distribution of request body sizes", sizeBuckets),
		httpResponseSize: histogram("kbs_http_response_size_bytes", "Distribution of response body sizes", sizeBuckets),
		activeRequests: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kbs_http_active_connections", Help: "Number of KBS requests being served",
		}),
		ResourceReads:        counterVec("kbs_resource_reads_total", "KBS resource read count", "resource_path"),
		ResourceWrites:       counterVec("kbs_resource_writes_total", "KBS resource write count", "resource_path"),
		ResourceDeletes:      counterVec("kbs_resource_deletes_total", "KBS resource delete count", "resource_path"),
		PolicyEvaluations:    counter("kbs_policy_evaluations_total", "Total count of KBS policy evaluations"),
		PolicyApprovals:      counter("kbs_policy_approvals_total", "Total count of requests approved by KBS policy"),
		PolicyViolations:     counter("kbs_policy_violations_total", "Total count of requests denied by KBS policy"),
		PolicyErrors:         counter("kbs_policy_errors_total", "Total count of errors during KBS evaluation"),
		AttestationRequests:  counter("kbs_attestation_requests_total", "Total count of attestation requests"),
		AttestationSuccesses: counterVec("kbs_attestation_successes_total", "Total count of attestation successes", "tee_type"),
		AttestationFailures:  counterVec("kbs_attestation_failures_total", "Total count of attestation failures", "tee_type"),
		AttestationErrors:    counter("kbs_attestation_errors_total", "Total count of errors during attestation processing"),
		AuthRequests:         counter("kbs_auth_requests_total", "Total count of auth requests"),
		AuthSuccesses:        counter("kbs_auth_successes_total", "Total count of successfully authenticated requests"),
		AuthErrors:           counter("kbs_auth_errors_total", "Total count of errors during auth processing"),
		QueueWait: histogram("kbs_request_queue_wait_seconds",
			"Time attestation requests waited for a worker (Cocoon)", queueBuckets),
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "kbs_build_info",
		Help: "KBS binary build information",
		ConstLabels: prometheus.Labels{
			"version": info.Version, "git_hash": info.GitHash, "build_date": info.BuildDate,
		},
	})
	buildInfo.Set(1)
	m.registry.MustRegister(
		buildInfo, m.httpRequests, m.httpDuration, m.httpRequestSize, m.httpResponseSize, m.activeRequests,
		m.ResourceReads, m.ResourceWrites, m.ResourceDeletes,
		m.PolicyEvaluations, m.PolicyApprovals, m.PolicyViolations, m.PolicyErrors,
		m.AttestationRequests, m.AttestationSuccesses, m.AttestationFailures, m.AttestationErrors,
		m.AuthRequests, m.AuthSuccesses, m.AuthErrors, m.QueueWait,
	)
	return m
}

// Registry is the registry to gather from.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }
