package promotion

import (
	"context"
	"time"
)

// EvidenceSource supplies what the gate decides on: shadow pair verdicts,
// serving errors and latencies, and savings, for one candidate version on a
// route since a time. The app adapts the shadow store to it.
//
// Candidate serving failures (the gateway falls back to the primary when a
// Candidate target fails) must be counted in CandidateErrors/CandidateN, so
// they count against the candidate; reverse-shadow pairs (primary mirrored
// while the candidate served) count in Evaluators like forward pairs.
type EvidenceSource interface {
	Evidence(ctx context.Context, route, model, version string, since time.Time) (Evidence, error)
}

// Evidence is one candidate's record over a window.
type Evidence struct {
	// Evaluators by name (tool_call, json_valid, …): pass counts over pairs.
	Evaluators map[string]EvaluatorEvidence `json:"evaluators"`
	// CandidateN/CandidateErrors are the candidate's calls (shadow replays
	// and served attempts) and how many failed or timed out.
	CandidateN      int64 `json:"candidate_n"`
	CandidateErrors int64 `json:"candidate_errors"`
	// PrimaryN/PrimaryErrors are the primary's over the same window.
	PrimaryN      int64 `json:"primary_n"`
	PrimaryErrors int64 `json:"primary_errors"`
	// P95 latencies in milliseconds (0 = unknown).
	CandidateP95Ms float64 `json:"candidate_p95_ms"`
	PrimaryP95Ms   float64 `json:"primary_p95_ms"`
	// NetSavingsMicrosPerDay is the projected net savings of serving the
	// route with the candidate (counterfactual primary cost minus candidate
	// serving, shadow and judge costs), when SavingsKnown.
	NetSavingsMicrosPerDay int64 `json:"net_savings_micros_per_day"`
	SavingsKnown           bool  `json:"savings_known"`
}

// EvaluatorEvidence is one evaluator's verdicts. Lower/Upper are the
// anytime-valid bounds at the policy's confidence; the gate fills them from
// Passes/N (a source may leave them zero).
type EvaluatorEvidence struct {
	N      int64   `json:"n"`
	Passes int64   `json:"passes"`
	Lower  float64 `json:"lower"`
	Upper  float64 `json:"upper"`
}

// Pairs is the sample count the minimum-samples rules use: the smallest n
// over the thresholded evaluators.
func (e Evidence) pairs(thresholds map[string]float64) int64 {
	var n int64 = -1
	for name := range thresholds {
		if v := e.Evaluators[name].N; n < 0 || v < n {
			n = v
		}
	}
	if n < 0 {
		return 0
	}
	return n
}

func rate(k, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// clone deep-copies e.
func (e Evidence) clone() Evidence {
	out := e
	out.Evaluators = make(map[string]EvaluatorEvidence, len(e.Evaluators))
	for k, v := range e.Evaluators {
		out.Evaluators[k] = v
	}
	return out
}

// minus is the evidence gathered since base was taken from the same
// cumulative series: counts are subtracted; latencies and savings, which
// do not subtract, are the cumulative ones.
func (e Evidence) minus(base *Evidence) Evidence {
	out := e.clone()
	for k, v := range out.Evaluators {
		b := base.Evaluators[k]
		out.Evaluators[k] = EvaluatorEvidence{N: max(v.N-b.N, 0), Passes: max(v.Passes-b.Passes, 0)}
	}
	out.CandidateN, out.CandidateErrors = max(e.CandidateN-base.CandidateN, 0), max(e.CandidateErrors-base.CandidateErrors, 0)
	out.PrimaryN, out.PrimaryErrors = max(e.PrimaryN-base.PrimaryN, 0), max(e.PrimaryErrors-base.PrimaryErrors, 0)
	return out
}
