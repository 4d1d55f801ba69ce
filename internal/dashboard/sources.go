package dashboard

import (
	"context"
	"time"

	"github.com/fledgling-ai/fledgling/costs"
)

// RollupReader reads the cost rollups (implemented by *costs.Rollups).
type RollupReader interface {
	Series(ctx context.Context, period, dim string, from, to time.Time) ([]costs.Point, error)
	Sums(ctx context.Context, period, dim string, from, to time.Time) (map[string]costs.Totals, error)
	Unpriced(ctx context.Context, period string, from, to time.Time) (map[string]costs.Totals, error)
}

// CandidateSource reports each candidate's shadow evidence and cost over a
// time window (implemented by an adapter over shadow + promotion).
type CandidateSource interface {
	Candidates(ctx context.Context, from, to time.Time) ([]CandidateSummary, error)
}

// CandidateSummary is one candidate of one route over a window.
type CandidateSummary struct {
	Route   string `json:"route"`
	Model   string `json:"model"`
	Version string `json:"version"`
	// Stage is the promotion stage: "shadow", "canary", "promoted",
	// "rolled_back", … (as promotion names them).
	Stage string `json:"stage"`
	// TrafficShare is the share of the route's live traffic the candidate
	// serves now, 0..1.
	TrafficShare float64 `json:"traffic_share"`
	// Pairs is the number of scored (primary, candidate) pairs in the window.
	Pairs      int64             `json:"pairs"`
	Evaluators []EvaluatorFigure `json:"evaluators"`
	// CandidateCostMicros and PrimaryCostMicros are the two models' costs on
	// the same shadowed requests (the primary's is what those requests
	// actually cost; the candidate's is its shadow replies' usage at its price).
	CandidateCostMicros int64 `json:"candidate_cost_micros"`
	PrimaryCostMicros   int64 `json:"primary_cost_micros"`
	// OverheadMicros is what evaluating this candidate cost in the window:
	// shadow calls plus any LLM-judge calls. It is never user spend.
	OverheadMicros int64 `json:"overhead_micros"`
}

// EvaluatorFigure is one evaluator's pass rate with its confidence bounds.
type EvaluatorFigure struct {
	Name     string  `json:"name"`
	N        int64   `json:"n"`
	PassRate float64 `json:"pass_rate"`
	Lower    float64 `json:"lower"`
	Upper    float64 `json:"upper"`
}

// HistorySource lists promotion transitions in a window, newest first.
type HistorySource interface {
	History(ctx context.Context, from, to time.Time) ([]Transition, error)
}

// Transition is one promotion stage change of a route's candidate.
type Transition struct {
	Route   string    `json:"route"`
	Model   string    `json:"model"`
	Version string    `json:"version"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason"`
}

// RouteInfo is what the config says about a route.
type RouteInfo struct {
	Name    string `json:"name"`
	Primary string `json:"primary"`
}
