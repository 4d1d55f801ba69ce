package shadow

import (
	"context"
	"fmt"
	"time"

	"github.com/fledgling-ai/fledgling/internal/stats"
)

// Stat is one evaluator's (or sub-score's) statistics over a window.
type Stat struct {
	N         int64   `json:"n"`
	Passes    int64   `json:"passes"`
	ScoreSum  float64 `json:"score_sum"`
	PassRate  float64 `json:"pass_rate"`
	MeanScore float64 `json:"mean_score"`
	// WilsonLo/Hi: fixed-n interval at 1-alpha (one look).
	WilsonLo float64 `json:"wilson_lo"`
	WilsonHi float64 `json:"wilson_hi"`
	// AnytimeLo/Hi: confidence sequence for the pass rate at 1-alpha, valid
	// under continuous monitoring (stats.AnytimeBounds).
	AnytimeLo float64 `json:"anytime_lo"`
	AnytimeHi float64 `json:"anytime_hi"`
	// ScoreLo/Hi: the same for the mean score (stats.AnytimeMeanBounds).
	ScoreLo float64 `json:"score_lo"`
	ScoreHi float64 `json:"score_hi"`
}

// newStat fills rates and bounds from counts.
func newStat(n, passes int64, scoreSum, alpha float64) Stat {
	s := Stat{N: n, Passes: passes, ScoreSum: scoreSum}
	if n > 0 {
		s.PassRate = float64(passes) / float64(n)
		s.MeanScore = scoreSum / float64(n)
	}
	s.WilsonLo, s.WilsonHi = stats.Wilson(passes, n, 1-alpha)
	s.AnytimeLo, s.AnytimeHi = stats.AnytimeBounds(passes, n, alpha)
	s.ScoreLo, s.ScoreHi = stats.AnytimeMeanBounds(scoreSum, n, alpha)
	return s
}

// Evidence is what the promotion gate reads for one candidate version on
// one route over a window: quality per evaluator with its bounds, and the
// guardrails (errors, latency, cost) of both sides on the same requests.
type Evidence struct {
	Route   string    `json:"route"`
	Model   string    `json:"model"`
	Version string    `json:"version"`
	Since   time.Time `json:"since"`          // window start as asked (zero: since the version appeared)
	First   time.Time `json:"first,omitzero"` // start of the first hour with pairs in the window
	Last    time.Time `json:"last,omitzero"`  // start of the last hour with pairs in the window
	Alpha   float64   `json:"alpha"`          // error level of every interval below

	Pairs        int64 `json:"pairs"`
	ReversePairs int64 `json:"reverse_pairs"`
	// Error counts are per pair; rates are over Pairs.
	CandidateErrors    int64   `json:"candidate_errors"`
	PrimaryErrors      int64   `json:"primary_errors"`
	CandidateErrorRate float64 `json:"candidate_error_rate"`
	PrimaryErrorRate   float64 `json:"primary_error_rate"`
	// p95 latencies of successful calls (≤10% above the true value).
	CandidateP95 time.Duration `json:"candidate_p95"`
	PrimaryP95   time.Duration `json:"primary_p95"`
	LatencyRatio float64       `json:"latency_ratio"` // CandidateP95 / PrimaryP95, 0 when unknown
	// Cost sums in micro-USD over the pairs where that side was priced.
	CandidateCostMicros int64 `json:"candidate_cost_micros"`
	PrimaryCostMicros   int64 `json:"primary_cost_micros"`
	CandidatePriced     int64 `json:"candidate_priced"`
	PrimaryPriced       int64 `json:"primary_priced"`
	// CostRatio is candidate/primary cost over pairs priced on both sides.
	CostRatio float64 `json:"cost_ratio"`
	// Judge spend is evaluation overhead, not the candidate's cost.
	JudgeCostMicros int64 `json:"judge_cost_micros"`
	JudgeCalls      int64 `json:"judge_calls"`

	Evaluators map[string]Stat `json:"evaluators"`
}

// Evidence reads the aggregates of (route, model, version) from since's hour
// on (zero since: everything since the version appeared).
func (s *Store) Evidence(ctx context.Context, route, model, version string, since time.Time) (Evidence, error) {
	ev := Evidence{Route: route, Model: model, Version: version, Since: since, Alpha: s.alpha, Evaluators: map[string]Stat{}}
	from := int64(0)
	if !since.IsZero() {
		from = hourOf(since)
	}
	if err := s.readPairAgg(ctx, &ev, from); err != nil {
		return ev, fmt.Errorf("shadow evidence %s/%s@%s: %w", route, model, version, err)
	}
	if err := s.readEvalAgg(ctx, &ev, from); err != nil {
		return ev, fmt.Errorf("shadow evidence %s/%s@%s: %w", route, model, version, err)
	}
	if err := s.readLatency(ctx, &ev, from); err != nil {
		return ev, fmt.Errorf("shadow evidence %s/%s@%s: %w", route, model, version, err)
	}
	return ev, nil
}

func (s *Store) readPairAgg(ctx context.Context, ev *Evidence, from int64) error {
	var first, last, bothC, bothP, bothN int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MIN(hour),0), COALESCE(MAX(hour),0), CAST(COALESCE(SUM(pairs),0) AS BIGINT), CAST(COALESCE(SUM(reverse_pairs),0) AS BIGINT),
		CAST(COALESCE(SUM(cand_errors),0) AS BIGINT), CAST(COALESCE(SUM(prim_errors),0) AS BIGINT), CAST(COALESCE(SUM(cand_cost),0) AS BIGINT), CAST(COALESCE(SUM(cand_priced),0) AS BIGINT),
		CAST(COALESCE(SUM(prim_cost),0) AS BIGINT), CAST(COALESCE(SUM(prim_priced),0) AS BIGINT), CAST(COALESCE(SUM(both_cand_cost),0) AS BIGINT), CAST(COALESCE(SUM(both_prim_cost),0) AS BIGINT),
		CAST(COALESCE(SUM(both_priced),0) AS BIGINT), CAST(COALESCE(SUM(judge_cost),0) AS BIGINT), CAST(COALESCE(SUM(judge_calls),0) AS BIGINT)
		FROM shadow_pair_hourly WHERE route = $1 AND model = $2 AND version = $3 AND hour >= $4`,
		ev.Route, ev.Model, ev.Version, from).Scan(&first, &last, &ev.Pairs, &ev.ReversePairs, &ev.CandidateErrors, &ev.PrimaryErrors,
		&ev.CandidateCostMicros, &ev.CandidatePriced, &ev.PrimaryCostMicros, &ev.PrimaryPriced, &bothC, &bothP, &bothN,
		&ev.JudgeCostMicros, &ev.JudgeCalls)
	if err != nil {
		return err
	}
	if ev.Pairs > 0 {
		ev.First, ev.Last = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		ev.CandidateErrorRate = float64(ev.CandidateErrors) / float64(ev.Pairs)
		ev.PrimaryErrorRate = float64(ev.PrimaryErrors) / float64(ev.Pairs)
	}
	if bothN > 0 && bothP > 0 {
		ev.CostRatio = float64(bothC) / float64(bothP)
	}
	return nil
}

func (s *Store) readEvalAgg(ctx context.Context, ev *Evidence, from int64) error {
	rows, err := s.db.QueryContext(ctx, `SELECT evaluator, CAST(SUM(n) AS BIGINT), CAST(SUM(passes) AS BIGINT), SUM(score_sum) FROM shadow_eval_hourly
		WHERE route = $1 AND model = $2 AND version = $3 AND hour >= $4 GROUP BY evaluator`, ev.Route, ev.Model, ev.Version, from)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n, passes int64
		var sum float64
		if err := rows.Scan(&name, &n, &passes, &sum); err != nil {
			return err
		}
		ev.Evaluators[name] = newStat(n, passes, sum, s.alpha)
	}
	return rows.Err()
}

func (s *Store) readLatency(ctx context.Context, ev *Evidence, from int64) error {
	rows, err := s.db.QueryContext(ctx, `SELECT side, bucket, CAST(SUM(n) AS BIGINT) FROM shadow_latency_hourly
		WHERE route = $1 AND model = $2 AND version = $3 AND hour >= $4 GROUP BY side, bucket`, ev.Route, ev.Model, ev.Version, from)
	if err != nil {
		return err
	}
	defer rows.Close()
	buckets := map[string]map[int]int64{"candidate": {}, "primary": {}}
	for rows.Next() {
		var side string
		var b int
		var n int64
		if err := rows.Scan(&side, &b, &n); err != nil {
			return err
		}
		if m, ok := buckets[side]; ok {
			m[b] += n
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	ev.CandidateP95, ev.PrimaryP95 = quantile(buckets["candidate"], 0.95), quantile(buckets["primary"], 0.95)
	if ev.CandidateP95 > 0 && ev.PrimaryP95 > 0 {
		ev.LatencyRatio = float64(ev.CandidateP95) / float64(ev.PrimaryP95)
	}
	return nil
}
