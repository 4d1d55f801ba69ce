package promotion

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMetricsFollowTheState(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: "canary", Step: 2, Share: 0.05}
	m.State(State{Version: 7, Candidates: map[string]*Candidate{c.Key(): c}})
	m.Observe(&Transition{Route: "r", To: "canary-2", Actor: "operator:alice"})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range mt.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			got[key] = mt.GetGauge().GetValue() + mt.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"fledgling_promotion_candidate_share,model=small,route=r,stage=canary-2,version=v1": 0.05,
		"fledgling_promotion_state_version":                                                 7,
		"fledgling_promotion_transitions_total,actor=operator,route=r,to=canary":            1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
