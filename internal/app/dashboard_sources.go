package app

import (
	"context"
	"math"
	"sort"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/dashboard"
	"github.com/fledgling-ai/fledgling/promotion"
	"github.com/fledgling-ai/fledgling/shadow"
)

// dashboardSources adapts the shadow pair store and the promotion store to
// the dashboard's CandidateSource and HistorySource. Both stores are opened
// on the shared database (their migrations are idempotent), so the dashboard
// does not depend on the order the loops are built in.
func (s *services) dashboardSources(ctx context.Context, cfg *atomic.Pointer[config.Config]) (*dashCandidates, *dashHistory, error) {
	sh, err := shadow.NewStore(ctx, s.db, s.cfg.Shadow.Alpha)
	if err != nil {
		return nil, nil, err
	}
	ps, err := promotion.OpenStore(ctx, s.db)
	if err != nil {
		return nil, nil, err
	}
	return &dashCandidates{shadow: sh, promo: ps, cfg: cfg}, &dashHistory{promo: ps, cfg: cfg}, nil
}

// dashCandidates reports every configured candidate: its promotion stage
// and share, and its shadow evidence from `from` until now (the shadow
// store aggregates from a start hour on).
type dashCandidates struct {
	shadow *shadow.Store
	promo  *promotion.Store
	cfg    *atomic.Pointer[config.Config]
}

// Candidates implements dashboard.CandidateSource.
func (d *dashCandidates) Candidates(ctx context.Context, from, _ time.Time) ([]dashboard.CandidateSummary, error) {
	state, err := d.promo.Load(ctx)
	if err != nil {
		return nil, err
	}
	var out []dashboard.CandidateSummary
	for _, r := range d.cfg.Load().Routes {
		for _, c := range r.Candidates {
			ev, err := d.shadow.Evidence(ctx, r.Name, c.Model, c.Version, from)
			if err != nil {
				return nil, err
			}
			cs := candidateSummary(ev)
			cs.Stage, cs.TrafficShare = "shadow", 0
			for _, pc := range state.Route(r.Name) {
				if pc.Model == c.Model && pc.Version == c.Version {
					cs.Stage, cs.TrafficShare = pc.Stage, pc.Share
				}
			}
			out = append(out, cs)
		}
	}
	return out, nil
}

// candidateSummary maps shadow evidence. Pass-rate bounds are the anytime
// bounds the promotion gate uses. Costs compare the two sides on the pairs
// priced on both (CostRatio); with the candidate unpriced the comparison is
// unknown and the primary cost is left 0, so nothing is projected. Overhead
// is the shadow calls (the candidate side of each pair) plus judge calls.
func candidateSummary(ev shadow.Evidence) dashboard.CandidateSummary {
	cs := dashboard.CandidateSummary{Route: ev.Route, Model: ev.Model, Version: ev.Version, Pairs: ev.Pairs,
		Evaluators:     []dashboard.EvaluatorFigure{},
		OverheadMicros: ev.CandidateCostMicros + ev.JudgeCostMicros}
	for name, st := range ev.Evaluators {
		cs.Evaluators = append(cs.Evaluators, dashboard.EvaluatorFigure{Name: name, N: st.N, PassRate: st.PassRate, Lower: st.AnytimeLo, Upper: st.AnytimeHi})
	}
	sort.Slice(cs.Evaluators, func(i, j int) bool { return cs.Evaluators[i].Name < cs.Evaluators[j].Name })
	switch {
	case ev.CostRatio > 0:
		cs.PrimaryCostMicros = ev.PrimaryCostMicros
		cs.CandidateCostMicros = int64(math.Round(ev.CostRatio * float64(ev.PrimaryCostMicros)))
	case ev.CandidatePriced > 0:
		cs.PrimaryCostMicros, cs.CandidateCostMicros = ev.PrimaryCostMicros, ev.CandidateCostMicros
	}
	return cs
}

// dashHistory lists promotion transitions of the configured routes.
type dashHistory struct {
	promo *promotion.Store
	cfg   *atomic.Pointer[config.Config]
}

// historyPerRoute bounds how many transitions per route are read.
const historyPerRoute = 200

// History implements dashboard.HistorySource: transitions in [from, to), newest first.
func (d *dashHistory) History(ctx context.Context, from, to time.Time) ([]dashboard.Transition, error) {
	var out []dashboard.Transition
	for _, r := range d.cfg.Load().Routes {
		trs, err := d.promo.History(ctx, r.Name, historyPerRoute)
		if err != nil {
			return nil, err
		}
		for _, tr := range trs {
			if !tr.At.Before(from) && tr.At.Before(to) {
				out = append(out, dashboard.Transition{Route: tr.Route, Model: tr.Model, Version: tr.Version,
					From: tr.From, To: tr.To, Time: tr.At, Reason: tr.Reason})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}
