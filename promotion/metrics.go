package promotion

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exposes the promotion state on an injected registry.
type Metrics struct {
	share       *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	version     prometheus.Gauge
}

// NewMetrics registers the promotion metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		share: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fledgling_promotion_candidate_share",
			Help: "Share of the route's traffic the candidate serves (0..1), labelled with its stage."}, []string{"route", "model", "version", "stage"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_promotion_transitions_total",
			Help: "Promotion transitions written by this replica."}, []string{"route", "to", "actor"}),
		version: prometheus.NewGauge(prometheus.GaugeOpts{Name: "fledgling_promotion_state_version",
			Help: "Version of the promotion state this replica serves."}),
	}
	reg.MustRegister(m.share, m.transitions, m.version)
	return m
}

// Observe counts a transition (use as Manager.Observe).
func (m *Metrics) Observe(tr *Transition) {
	actor, _, _ := strings.Cut(tr.Actor, ":")
	to, _, _ := strings.Cut(tr.To, "-")
	m.transitions.WithLabelValues(tr.Route, to, actor).Inc()
}

// State sets the gauges from a new state (use with Manager.OnChange).
func (m *Metrics) State(st State) {
	m.share.Reset()
	for _, c := range st.Candidates {
		m.share.WithLabelValues(c.Route, c.Model, c.Version, c.label()).Set(c.Share)
	}
	m.version.Set(float64(st.Version))
}
