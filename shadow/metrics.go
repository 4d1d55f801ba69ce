package shadow

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the shadow's Prometheus series, registered on an injected
// registerer (never the global one).
type Metrics struct {
	sampled    *prometheus.CounterVec   // route, candidate
	dropped    *prometheus.CounterVec   // candidate, reason
	queueDepth *prometheus.GaugeVec     // candidate
	pairs      *prometheus.CounterVec   // route, candidate, version, outcome
	evals      *prometheus.CounterVec   // route, candidate, version, evaluator, result
	passRate   *prometheus.GaugeVec     // route, candidate, version, evaluator, window
	lowerBound *prometheus.GaugeVec     // route, candidate, version, evaluator, window
	callTime   *prometheus.HistogramVec // candidate, outcome
	judgeCost  prometheus.Counter
}

// NewMetrics registers the shadow metrics on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sampled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_shadow_sampled_total",
			Help: "Requests sampled for a shadow call."}, []string{"route", "candidate"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_shadow_dropped_total",
			Help: "Sampled shadow calls dropped (queue_full, shutdown, bad_request)."}, []string{"candidate", "reason"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fledgling_shadow_queue_depth",
			Help: "Shadow calls waiting in a model's queue."}, []string{"candidate"}),
		pairs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_shadow_pairs_total",
			Help: "Shadow pairs stored, by outcome (scored, candidate_error, primary_error, store_error)."}, []string{"route", "candidate", "version", "outcome"}),
		evals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_shadow_evaluations_total",
			Help: "Evaluator verdicts on shadow pairs."}, []string{"route", "candidate", "version", "evaluator", "result"}),
		passRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fledgling_shadow_pass_rate",
			Help: "Stored pass rate per evaluator (window: all = since the version appeared, rolling)."}, []string{"route", "candidate", "version", "evaluator", "window"}),
		lowerBound: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fledgling_shadow_pass_rate_lower_bound",
			Help: "Anytime-valid lower confidence bound of the pass rate."}, []string{"route", "candidate", "version", "evaluator", "window"}),
		callTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fledgling_shadow_call_duration_seconds",
			Help: "Duration of shadow calls.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}, []string{"candidate", "outcome"}),
		judgeCost: prometheus.NewCounter(prometheus.CounterOpts{Name: "fledgling_shadow_judge_cost_micros_total",
			Help: "LLM-judge spend in micro-USD (evaluation overhead)."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.sampled, m.dropped, m.queueDepth, m.pairs, m.evals, m.passRate, m.lowerBound, m.callTime, m.judgeCost} {
			reg.MustRegister(c)
		}
	}
	return m
}

// Observe sets the stored-evidence gauges of one candidate version.
func (m *Metrics) Observe(window string, ev Evidence) {
	for name, st := range ev.Evaluators {
		m.passRate.WithLabelValues(ev.Route, ev.Model, ev.Version, name, window).Set(st.PassRate)
		m.lowerBound.WithLabelValues(ev.Route, ev.Model, ev.Version, name, window).Set(st.AnytimeLo)
	}
}
