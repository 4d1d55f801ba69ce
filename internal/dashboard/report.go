package dashboard

import (
	"time"

	"github.com/fledgling-ai/fledgling/costs"
)

// Report is the JSON answer of GET /v1/dashboard/costs (schema in README).
type Report struct {
	From          time.Time       `json:"from"`
	To            time.Time       `json:"to"`
	Interval      string          `json:"interval"`
	GroupBy       string          `json:"group_by"`
	Currency      string          `json:"currency"`   // "USD"
	MoneyUnit     string          `json:"money_unit"` // "micro_usd"
	CatalogueDate string          `json:"catalogue_date,omitempty"`
	Totals        Summary         `json:"totals"`
	Buckets       []time.Time     `json:"buckets"`
	Series        []Series        `json:"series"`
	Savings       SavingsSeries   `json:"savings"`
	Routes        []RouteSavings  `json:"routes"`
	Unpriced      []UnpricedModel `json:"unpriced_models"`
	History       []Transition    `json:"history"`
	Warnings      []string        `json:"warnings"`
}

// Summary is rollup totals plus the savings accounting:
//
//	spend               = cost + failed attempts
//	realized savings    = counterfactual − cost, over calls with a known counterfactual
//	projected savings   = Σ over routes of the best candidate's projection (≥ 0)
//	net savings         = realized + projected − shadow overhead
//	net realized        = realized − shadow overhead
type Summary struct {
	costs.Totals
	SpendMicros              int64 `json:"spend_micros"`
	RealizedSavingsMicros    int64 `json:"realized_savings_micros"`
	ShadowOverheadMicros     int64 `json:"shadow_overhead_micros"`
	ProjectedSavingsMicros   int64 `json:"projected_savings_micros"`
	NetSavingsMicros         int64 `json:"net_savings_micros"`
	NetRealizedSavingsMicros int64 `json:"net_realized_savings_micros"`
}

func (s *Summary) finish() {
	s.SpendMicros = s.Totals.SpendMicros()
	s.RealizedSavingsMicros = s.Totals.RealizedSavingsMicros()
	s.NetSavingsMicros = s.RealizedSavingsMicros + s.ProjectedSavingsMicros - s.ShadowOverheadMicros
	s.NetRealizedSavingsMicros = s.RealizedSavingsMicros - s.ShadowOverheadMicros
}

// Series is one group_by value over the buckets (dense: 0 where no calls).
type Series struct {
	Key                   string  `json:"key"`
	Calls                 []int64 `json:"calls"`
	CostMicros            []int64 `json:"cost_micros"`
	RealizedSavingsMicros []int64 `json:"realized_savings_micros"`
	TotalCostMicros       int64   `json:"total_cost_micros"`
}

// SavingsSeries is every call over the buckets.
type SavingsSeries struct {
	Calls                 []int64 `json:"calls"`
	CostMicros            []int64 `json:"cost_micros"`
	CounterfactualMicros  []int64 `json:"counterfactual_micros"`
	RealizedSavingsMicros []int64 `json:"realized_savings_micros"`
	FailedAttemptMicros   []int64 `json:"failed_attempt_micros"`
}

// RouteSavings is one route's accounting over the window.
type RouteSavings struct {
	Route      string           `json:"route"`
	Primary    string           `json:"primary"`
	Summary                     // flattened: the route's totals and savings
	Candidates []CandidateEntry `json:"candidates"`
}

// CandidateEntry is a candidate summary plus its projected savings:
//
//	ratio     = (primary_cost − candidate_cost) / primary_cost   on the shadowed requests
//	projected = ratio × (route cost − cost already served by candidates) in the window
//
// i.e. what the route would have saved had the candidate served the traffic
// the primary (or a fallback) still served. Negative when the candidate
// costs more; 0 when there is no shadowed primary cost to compare with.
type CandidateEntry struct {
	CandidateSummary
	ProjectedSavingsMicros int64 `json:"projected_savings_micros"`
}

// UnpricedModel is a model with calls that could not be costed.
type UnpricedModel struct {
	Model             string `json:"model"`
	UnpricedCalls     int64  `json:"unpriced_calls"`
	UnknownUsageCalls int64  `json:"unknown_usage_calls"`
}

func projected(c CandidateSummary, route costs.Totals) int64 {
	if c.PrimaryCostMicros <= 0 {
		return 0
	}
	remaining := route.CostMicros - route.CandidateCostMicros
	saved := float64(c.PrimaryCostMicros-c.CandidateCostMicros) / float64(c.PrimaryCostMicros)
	return int64(saved*float64(remaining) + 0.5*sign(saved))
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
