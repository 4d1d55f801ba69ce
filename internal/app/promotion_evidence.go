package app

import (
	"context"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/shadow"
)

// evidenceAdapter turns the shadow store's evidence into the gate's.
type evidenceAdapter struct {
	shadow  *shadow.Store
	serving *promotion.ServingCounter
	cfg     func() *config.Config
}

// Evidence: quality from the shadow pairs (forward and reverse); the
// candidate's error rate over its shadow replays plus the calls it served
// (failures there fell back to the primary); savings projected per day.
func (a *evidenceAdapter) Evidence(ctx context.Context, route, model, version string, since time.Time) (promotion.Evidence, error) {
	se, err := a.shadow.Evidence(ctx, route, model, version, since)
	if err != nil {
		return promotion.Evidence{}, err
	}
	served, failed, err := a.serving.Serving(ctx, route, model, since)
	if err != nil {
		return promotion.Evidence{}, err
	}
	ev := promotion.Evidence{Evaluators: map[string]promotion.EvaluatorEvidence{},
		CandidateN: se.Pairs + served, CandidateErrors: se.CandidateErrors + failed,
		PrimaryN: se.Pairs, PrimaryErrors: se.PrimaryErrors,
		CandidateP95Ms: float64(se.CandidateP95) / float64(time.Millisecond), PrimaryP95Ms: float64(se.PrimaryP95) / float64(time.Millisecond)}
	for name, st := range se.Evaluators {
		ev.Evaluators[name] = promotion.EvaluatorEvidence{N: st.N, Passes: st.Passes}
	}
	if c := findCandidate(a.cfg(), route, model, version); c != nil {
		ev.NetSavingsMicrosPerDay, ev.SavingsKnown = projectSavings(se, c)
	}
	return ev, nil
}

// projectSavings is the net savings per day of serving the whole route with
// the candidate: per request, the primary's mean cost minus the candidate's,
// minus judge calls at the shadow sample rate and reverse-shadow calls to the
// primary; times the route's request rate (pairs / sample rate over the
// window's hours).
func projectSavings(se shadow.Evidence, c *config.Candidate) (int64, bool) {
	if se.Pairs == 0 || se.CandidatePriced == 0 || se.PrimaryPriced == 0 || c.SampleRate <= 0 {
		return 0, false
	}
	prim := float64(se.PrimaryCostMicros) / float64(se.PrimaryPriced)
	cand := float64(se.CandidateCostMicros) / float64(se.CandidatePriced)
	judge := float64(se.JudgeCostMicros) / float64(se.Pairs)
	perReq := prim - cand - judge*c.SampleRate - prim*c.Promotion.ReverseShadowRate
	hours := se.Last.Sub(se.First).Hours() + 1
	perDay := float64(se.Pairs) / c.SampleRate / hours * 24
	return int64(perReq * perDay), true
}
