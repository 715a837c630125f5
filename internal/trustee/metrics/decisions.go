package metrics

import "github.com/prometheus/client_golang/prometheus"

// DecisionCounts calls report once per policy kind ("appraisal",
// "resource") with how many decisions the policy engine evaluated and how
// many it answered from remembered results.
type DecisionCounts func(report func(kind string, evaluated, remembered uint64))

// policyDecisionsDesc is Cocoon's own (upstream remembers no decisions):
// with answered_by="memo" far below "opa", guests rarely present the same
// input twice and the memo costs a little for nothing.
var policyDecisionsDesc = prometheus.NewDesc("kbs_policy_decisions_total",
	"Policy decisions by policy kind, evaluated by OPA or answered from remembered results (Cocoon)",
	[]string{"kind", "answered_by"}, nil)

type decisionsCollector struct{ counts DecisionCounts }

func (c decisionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- policyDecisionsDesc }

func (c decisionsCollector) Collect(ch chan<- prometheus.Metric) {
	c.counts(func(kind string, evaluated, remembered uint64) {
		ch <- prometheus.MustNewConstMetric(policyDecisionsDesc, prometheus.CounterValue, float64(evaluated), kind, "opa")
		ch <- prometheus.MustNewConstMetric(policyDecisionsDesc, prometheus.CounterValue, float64(remembered), kind, "memo")
	})
}

// WatchPolicyDecisions exports counts as kbs_policy_decisions_total.
func (m *Metrics) WatchPolicyDecisions(counts DecisionCounts) {
	m.registry.MustRegister(decisionsCollector{counts: counts})
}
