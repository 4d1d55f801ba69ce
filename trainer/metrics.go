package trainer

import "github.com/prometheus/client_golang/prometheus"

// Metrics of the trainer. A nil *Metrics records nothing.
type Metrics struct {
	datasets *prometheus.CounterVec // route
	examples *prometheus.GaugeVec   // route, split (latest version)
	queued   *prometheus.CounterVec // route, reason
	finished *prometheus.CounterVec // route, state
	claims   *prometheus.CounterVec // kind: first, resume
	lost     prometheus.Counter
}

// NewMetrics registers the trainer's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		datasets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_trainer_datasets_built_total",
			Help: "Dataset versions built, by route."}, []string{"route"}),
		examples: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fledgling_trainer_dataset_examples",
			Help: "Examples in the newest dataset version, by route and split."}, []string{"route", "split"}),
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_trainer_jobs_queued_total",
			Help: "Training jobs queued, by route and trigger."}, []string{"route", "reason"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_trainer_jobs_finished_total",
			Help: "Training jobs finished by this process, by route and final state."}, []string{"route", "state"}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fledgling_trainer_job_claims_total",
			Help: "Job claims by this process's workers: first attempts and resumptions after a lost worker."}, []string{"kind"}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{Name: "fledgling_trainer_leases_lost_total",
			Help: "Runs stopped because another worker took their job over."}),
	}
	if reg != nil {
		reg.MustRegister(m.datasets, m.examples, m.queued, m.finished, m.claims, m.lost)
	}
	return m
}

func (m *Metrics) dataset(d *Dataset) {
	if m == nil {
		return
	}
	c := d.Manifest.Counts
	m.datasets.WithLabelValues(d.Route).Inc()
	m.examples.WithLabelValues(d.Route, SplitTrain).Set(float64(c.Train))
	m.examples.WithLabelValues(d.Route, SplitValidation).Set(float64(c.Validation))
	m.examples.WithLabelValues(d.Route, SplitTest).Set(float64(c.Test))
}

func (m *Metrics) jobQueued(route, reason string) {
	if m != nil {
		m.queued.WithLabelValues(route, reason).Inc()
	}
}

func (m *Metrics) jobFinished(route string, s State) {
	if m != nil {
		m.finished.WithLabelValues(route, string(s)).Inc()
	}
}

func (m *Metrics) claimed(attempt int) {
	if m == nil {
		return
	}
	kind := "first"
	if attempt > 1 {
		kind = "resume"
	}
	m.claims.WithLabelValues(kind).Inc()
}

func (m *Metrics) leaseLost() {
	if m != nil {
		m.lost.Inc()
	}
}
