package metrics

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the registry in the Prometheus text format on GET only;
// any other method gets 405, as upstream answers a POST.
func (m *Metrics) Handler() http.Handler {
	exposition := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		exposition.ServeHTTP(w, r)
	})
}

// Healthz answers 200 to GET, for liveness probes.
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Instrument measures the requests under /kbs only: scrapes and probes
// would distort the numbers and are of no interest to a KBS operator.
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/kbs") {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		m.activeRequests.Inc()
		defer m.activeRequests.Dec()
		m.httpRequests.Inc()
		m.httpRequestSize.Observe(float64(max(r.ContentLength, 0)))

		counted := &countingWriter{ResponseWriter: w}
		next.ServeHTTP(counted, r)

		m.httpDuration.Observe(time.Since(start).Seconds())
		m.httpResponseSize.Observe(float64(counted.written))
	})
}

// countingWriter counts the body bytes a handler writes.
type countingWriter struct {
	http.ResponseWriter
	written int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.written += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
