package dashboard

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/costs"
	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/internal/store/storetest"
)

// testDBs opens a fresh SQLite file and a fresh PostgreSQL schema.
func testDBs(t *testing.T) []*store.DB { return storetest.Both(t) }

func fp(v float64) *float64 { return &v }

// seedConfig is a realistic three-route setup priced by the real catalogue.
func seedConfig() *config.Config {
	return &config.Config{
		Providers: map[string]config.Provider{"openai": {Type: "openai"}, "anthropic": {Type: "openai"}, "vllm": {Type: "openai"}},
		Models: map[string]config.Model{
			"gpt-4o":            {Provider: "openai"},
			"gpt-4o-mini":       {Provider: "openai"},
			"gpt-4.1-mini":      {Provider: "openai"},
			"claude-sonnet-4-5": {Provider: "anthropic"},
			"qwen-7b-support":   {Provider: "vllm", Model: "qwen2.5-7b-lora", SelfHosted: &config.SelfHosted{GPUHourUSD: 1.2, TokensPerSecond: 2500}},
			"llama-local":       {Provider: "vllm"},
		},
	}
}

var seedRoutes = []RouteInfo{{Name: "support", Primary: "gpt-4o"}, {Name: "extract", Primary: "claude-sonnet-4-5"}, {Name: "batch", Primary: "gpt-4.1-mini"}}

// seedRecords makes n calls over the `span` before end, priced by p.
func seedRecords(p *costs.Pricer, n int, end time.Time, span time.Duration) []*capture.Record {
	rng := rand.New(rand.NewPCG(7, 11))
	keys := []string{"team-web", "team-data", "ci"}
	recs := make([]*capture.Record, 0, n)
	for i := 0; i < n; i++ {
		at := end.Add(-time.Duration(rng.Int64N(int64(span))))
		rec := &capture.Record{ID: fmt.Sprintf("req-%d", i), Time: at, Kind: capture.KindChat, Status: 200,
			KeyID: keys[rng.IntN(len(keys))], Tags: []string{[]string{"prod", "staging"}[rng.IntN(2)]}}
		in, out := int64(200+rng.IntN(3000)), int64(20+rng.IntN(800))
		rec.Usage = openai.Usage{Input: openai.Some(in), Output: openai.Some(out)}
		switch r := rng.IntN(10); {
		case r < 5: // support: a canary of gpt-4o-mini serves a third
			rec.Route, rec.PrimaryModel, rec.AnsweringModel = "support", "gpt-4o", "gpt-4o"
			if rng.IntN(3) == 0 {
				rec.AnsweringModel, rec.ServedByCandidate, rec.Stage = "gpt-4o-mini", true, "canary"
			}
			rec.Usage.CachedInput = openai.Some(in / 4)
		case r < 8:
			rec.Route, rec.PrimaryModel, rec.AnsweringModel = "extract", "claude-sonnet-4-5", "claude-sonnet-4-5"
		case r < 9:
			rec.Route, rec.PrimaryModel, rec.AnsweringModel = "batch", "gpt-4.1-mini", "gpt-4.1-mini"
		default: // a local model with no price
			rec.Route, rec.AnsweringModel = "", "llama-local"
		}
		if rng.IntN(40) == 0 { // a failed first attempt before the answer
			rec.Attempts = []capture.Attempt{{Model: rec.AnsweringModel, Status: 503, ErrorClass: "upstream_5xx",
				Usage: openai.Usage{Input: openai.Some(in), Output: openai.Some(5)}}, {Model: rec.AnsweringModel, Status: 200, Usage: rec.Usage}}
		}
		if rng.IntN(50) == 0 {
			rec.Status, rec.ErrorClass, rec.Usage = 502, "upstream_5xx", openai.Usage{}
		}
		p.Price(rec)
		recs = append(recs, rec)
	}
	return recs
}

// seed writes records through the capture hook in batches, as the capture
// writer does.
func seed(t testing.TB, db *store.DB, recs []*capture.Record) *costs.Rollups {
	ctx := context.Background()
	r, err := costs.OpenRollups(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(recs); i += 256 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.OnBatch(ctx, tx, db.Dialect, recs[i:min(i+256, len(recs))]); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// fakeCandidates is a CandidateSource with fixed figures.
type fakeCandidates struct{ list []CandidateSummary }

func (f fakeCandidates) Candidates(context.Context, time.Time, time.Time) ([]CandidateSummary, error) {
	return f.list, nil
}

type fakeHistory []Transition

func (f fakeHistory) History(context.Context, time.Time, time.Time) ([]Transition, error) {
	return f, nil
}

var testCandidates = fakeCandidates{[]CandidateSummary{
	{Route: "support", Model: "gpt-4o-mini", Version: "v1", Stage: "canary", TrafficShare: 0.33, Pairs: 412,
		Evaluators:          []EvaluatorFigure{{Name: "tool_call", N: 412, PassRate: 0.962, Lower: 0.939, Upper: 0.977}},
		CandidateCostMicros: 60_000, PrimaryCostMicros: 1_000_000, OverheadMicros: 75_000},
	{Route: "extract", Model: "qwen-7b-support", Version: "v3", Stage: "shadow", Pairs: 180,
		Evaluators: []EvaluatorFigure{{Name: "json_schema", N: 180, PassRate: 0.91, Lower: 0.86, Upper: 0.945},
			{Name: "exact_match", N: 180, PassRate: 0.78, Lower: 0.71, Upper: 0.83}},
		CandidateCostMicros: 20_000, PrimaryCostMicros: 500_000, OverheadMicros: 30_000},
	{Route: "extract", Model: "gpt-4o-mini", Version: "v1", Stage: "shadow", Pairs: 90,
		Evaluators:          []EvaluatorFigure{{Name: "json_schema", N: 90, PassRate: 0.95, Lower: 0.88, Upper: 0.98}},
		CandidateCostMicros: 600_000, PrimaryCostMicros: 500_000, OverheadMicros: 12_000},
}}

var testHistory = fakeHistory{
	{Route: "support", Model: "gpt-4o-mini", Version: "v1", From: "shadow", To: "canary", Time: time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC), Reason: "tool_call lower bound 0.939 ≥ 0.92 after 400 pairs"},
}
