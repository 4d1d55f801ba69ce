package shadow

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Candidate is a (model, version) with pairs on a route.
type Candidate struct {
	Model   string `json:"model"`
	Version string `json:"version"`
}

// Candidates lists the candidate versions that have pairs on route.
func (s *Store) Candidates(ctx context.Context, route string) ([]Candidate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT model, version FROM shadow_pair_hourly WHERE route = $1 ORDER BY model, version`, route)
	if err != nil {
		return nil, fmt.Errorf("shadow candidates of %s: %w", route, err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.Model, &c.Version); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Summary is one UTC day of one candidate version on one route.
type Summary struct {
	Day             time.Time       `json:"day"`
	Route           string          `json:"route"`
	Model           string          `json:"model"`
	Version         string          `json:"version"`
	Pairs           int64           `json:"pairs"`
	CandidateErrors int64           `json:"candidate_errors"`
	PrimaryErrors   int64           `json:"primary_errors"`
	CandidateCost   int64           `json:"candidate_cost_micros"`
	PrimaryCost     int64           `json:"primary_cost_micros"`
	JudgeCost       int64           `json:"judge_cost_micros"`
	Evaluators      map[string]Stat `json:"evaluators"`
}

type dayKey struct {
	day                   int64
	route, model, version string
}

// Summaries returns per-day rows for days overlapping [from, to), sorted by
// day, route, model, version. Intervals are per day (fixed-n).
func (s *Store) Summaries(ctx context.Context, from, to time.Time) ([]Summary, error) {
	lo, hi := from.Unix()/86400*86400, to.Unix()
	byKey := map[dayKey]*Summary{}
	get := func(k dayKey) *Summary {
		if sm, ok := byKey[k]; ok {
			return sm
		}
		sm := &Summary{Day: time.Unix(k.day, 0).UTC(), Route: k.route, Model: k.model, Version: k.version, Evaluators: map[string]Stat{}}
		byKey[k] = sm
		return sm
	}
	if err := s.sumPairs(ctx, lo, hi, get); err != nil {
		return nil, fmt.Errorf("shadow summaries: %w", err)
	}
	if err := s.sumEvals(ctx, lo, hi, get); err != nil {
		return nil, fmt.Errorf("shadow summaries: %w", err)
	}
	out := make([]Summary, 0, len(byKey))
	for _, sm := range byKey {
		out = append(out, *sm)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		return a.Version < b.Version
	})
	return out, nil
}

func (s *Store) sumPairs(ctx context.Context, lo, hi int64, get func(dayKey) *Summary) error {
	rows, err := s.db.QueryContext(ctx, `SELECT (hour / 86400) * 86400 AS day, route, model, version, CAST(SUM(pairs) AS BIGINT), CAST(SUM(cand_errors) AS BIGINT), CAST(SUM(prim_errors) AS BIGINT),
		CAST(SUM(cand_cost) AS BIGINT), CAST(SUM(prim_cost) AS BIGINT), CAST(SUM(judge_cost) AS BIGINT) FROM shadow_pair_hourly WHERE hour >= $1 AND hour < $2
		GROUP BY (hour / 86400) * 86400, route, model, version`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k dayKey
		var pairs, ce, pe, cc, pc, jc int64
		if err := rows.Scan(&k.day, &k.route, &k.model, &k.version, &pairs, &ce, &pe, &cc, &pc, &jc); err != nil {
			return err
		}
		sm := get(k)
		sm.Pairs, sm.CandidateErrors, sm.PrimaryErrors, sm.CandidateCost, sm.PrimaryCost, sm.JudgeCost = pairs, ce, pe, cc, pc, jc
	}
	return rows.Err()
}

func (s *Store) sumEvals(ctx context.Context, lo, hi int64, get func(dayKey) *Summary) error {
	rows, err := s.db.QueryContext(ctx, `SELECT (hour / 86400) * 86400 AS day, route, model, version, evaluator, CAST(SUM(n) AS BIGINT), CAST(SUM(passes) AS BIGINT), SUM(score_sum)
		FROM shadow_eval_hourly WHERE hour >= $1 AND hour < $2 GROUP BY (hour / 86400) * 86400, route, model, version, evaluator`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k dayKey
		var name string
		var n, passes int64
		var sum float64
		if err := rows.Scan(&k.day, &k.route, &k.model, &k.version, &name, &n, &passes, &sum); err != nil {
			return err
		}
		get(k).Evaluators[name] = newStat(n, passes, sum, s.alpha)
	}
	return rows.Err()
}
