package dashboard

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/fledgling-ai/fledgling/costs"
)

// builder assembles a Report from the rollups and the optional sources.
type builder struct {
	rollups    RollupReader
	candidates CandidateSource // may be nil
	history    HistorySource   // may be nil
	routes     []RouteInfo
	catalogue  string
}

func (b *builder) build(ctx context.Context, p params) (*Report, error) {
	rep := &Report{From: p.From, To: p.To, Interval: p.Interval, GroupBy: p.GroupBy,
		Currency: "USD", MoneyUnit: "micro_usd", CatalogueDate: b.catalogue,
		Buckets: p.buckets(), Series: []Series{}, Routes: []RouteSavings{}, Unpriced: []UnpricedModel{},
		History: []Transition{}, Warnings: []string{}}
	if err := b.fillSeries(ctx, p, rep); err != nil {
		return nil, err
	}
	routeSums, err := b.rollups.Sums(ctx, p.Interval, "route", p.From, p.To)
	if err != nil {
		return nil, err
	}
	cands := b.loadCandidates(ctx, p, rep)
	b.fillRoutes(rep, routeSums, cands)
	if err := b.fillUnpriced(ctx, p, rep); err != nil {
		return nil, err
	}
	b.loadHistory(ctx, p, rep)
	return rep, nil
}

// fillSeries reads the "all" rows (totals and savings over time) and the
// group_by rows (series per value).
func (b *builder) fillSeries(ctx context.Context, p params, rep *Report) error {
	index := make(map[time.Time]int, len(rep.Buckets))
	for i, t := range rep.Buckets {
		index[t] = i
	}
	n := len(rep.Buckets)
	sums, err := b.rollups.Sums(ctx, p.Interval, "all", p.From, p.To)
	if err != nil {
		return err
	}
	rep.Totals.Totals = sums[""]
	all, err := b.rollups.Series(ctx, p.Interval, "all", p.From, p.To)
	if err != nil {
		return err
	}
	s := SavingsSeries{make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)}
	for _, r := range all {
		i, ok := index[r.Bucket]
		if !ok {
			continue
		}
		s.Calls[i], s.CostMicros[i], s.CounterfactualMicros[i] = r.Calls, r.CostMicros, r.CounterfactualMicros
		s.RealizedSavingsMicros[i], s.FailedAttemptMicros[i] = r.RealizedSavingsMicros(), r.FailedAttemptMicros
	}
	rep.Savings = s
	groups, err := b.rollups.Series(ctx, p.Interval, p.GroupBy, p.From, p.To)
	if err != nil {
		return err
	}
	rep.Series = groupSeries(groups, index, n)
	return nil
}

// groupSeries turns rows into one dense series per value, costliest first.
func groupSeries(rows []costs.Point, index map[time.Time]int, n int) []Series {
	byKey := map[string]*Series{}
	for _, r := range rows {
		i, ok := index[r.Bucket]
		if !ok {
			continue
		}
		s := byKey[r.Value]
		if s == nil {
			s = &Series{Key: r.Value, Calls: make([]int64, n), CostMicros: make([]int64, n), RealizedSavingsMicros: make([]int64, n)}
			byKey[r.Value] = s
		}
		s.Calls[i], s.CostMicros[i], s.RealizedSavingsMicros[i] = r.Calls, r.CostMicros, r.RealizedSavingsMicros()
		s.TotalCostMicros += r.CostMicros
	}
	out := make([]Series, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TotalCostMicros != out[j].TotalCostMicros {
			return out[i].TotalCostMicros > out[j].TotalCostMicros
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func (b *builder) loadCandidates(ctx context.Context, p params, rep *Report) map[string][]CandidateSummary {
	out := map[string][]CandidateSummary{}
	if b.candidates == nil {
		return out
	}
	list, err := b.candidates.Candidates(ctx, p.From, p.To)
	if err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("candidates unavailable: %v", err))
		return out
	}
	for _, c := range list {
		out[c.Route] = append(out[c.Route], c)
	}
	return out
}

func (b *builder) loadHistory(ctx context.Context, p params, rep *Report) {
	if b.history == nil {
		return
	}
	h, err := b.history.History(ctx, p.From, p.To)
	if err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("promotion history unavailable: %v", err))
		return
	}
	if h != nil {
		rep.History = h
	}
}

// fillRoutes builds one RouteSavings per configured route and per route seen
// in the rollups, costliest first, and adds their projections and overhead
// into the totals.
func (b *builder) fillRoutes(rep *Report, sums map[string]costs.Totals, cands map[string][]CandidateSummary) {
	primary := map[string]string{}
	names := map[string]bool{}
	for _, r := range b.routes {
		primary[r.Name], names[r.Name] = r.Primary, true
	}
	for name := range sums {
		names[name] = true
	}
	for name := range cands {
		names[name] = true
	}
	for name := range names {
		rs := RouteSavings{Route: name, Primary: primary[name], Candidates: []CandidateEntry{}}
		rs.Totals = sums[name]
		for _, c := range cands[name] {
			e := CandidateEntry{CandidateSummary: c, ProjectedSavingsMicros: projected(c, rs.Totals)}
			rs.Candidates = append(rs.Candidates, e)
			rs.ShadowOverheadMicros += c.OverheadMicros
			rs.ProjectedSavingsMicros = max(rs.ProjectedSavingsMicros, e.ProjectedSavingsMicros)
		}
		rs.finish()
		rep.Totals.ShadowOverheadMicros += rs.ShadowOverheadMicros
		rep.Totals.ProjectedSavingsMicros += rs.ProjectedSavingsMicros
		rep.Routes = append(rep.Routes, rs)
	}
	sort.Slice(rep.Routes, func(i, j int) bool {
		a, c := rep.Routes[i], rep.Routes[j]
		if a.SpendMicros != c.SpendMicros {
			return a.SpendMicros > c.SpendMicros
		}
		return a.Route < c.Route
	})
	rep.Totals.finish()
}

func (b *builder) fillUnpriced(ctx context.Context, p params, rep *Report) error {
	models, err := b.rollups.Unpriced(ctx, p.Interval, p.From, p.To)
	if err != nil {
		return err
	}
	for m, t := range models {
		if t.UnpricedCalls > 0 || t.UnknownUsageCalls > 0 {
			rep.Unpriced = append(rep.Unpriced, UnpricedModel{Model: m, UnpricedCalls: t.UnpricedCalls, UnknownUsageCalls: t.UnknownUsageCalls})
		}
	}
	sort.Slice(rep.Unpriced, func(i, j int) bool {
		a, c := rep.Unpriced[i], rep.Unpriced[j]
		if a.UnpricedCalls+a.UnknownUsageCalls != c.UnpricedCalls+c.UnknownUsageCalls {
			return a.UnpricedCalls+a.UnknownUsageCalls > c.UnpricedCalls+c.UnknownUsageCalls
		}
		return a.Model < c.Model
	})
	return nil
}
