package costs

import (
	"context"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

// writeVia runs OnBatch in a transaction the way the capture writer does.
func writeVia(t *testing.T, r *Rollups, recs []*capture.Record) {
	t.Helper()
	ctx := context.Background()
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.OnBatch(ctx, tx, r.db.Dialect, recs); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestRollupsOnBothDialects(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 14, 5, 0, 0, time.UTC)
	u := func(in, out int64) openai.Usage {
		return openai.Usage{Input: openai.Some(in), Output: openai.Some(out)}
	}
	recs := []*capture.Record{
		// served by the primary: its own counterfactual
		{Time: t0, Route: "support", KeyID: "team-a", Tags: []string{"prod", "prod"}, PrimaryModel: "gpt-4o", AnsweringModel: "gpt-4o",
			Status: 200, Usage: u(1000, 500), Priced: true, CostMicros: 7500},
		// served by the candidate: 450 µ$ actual vs 7500 µ$ at the primary's price
		{Time: t0.Add(10 * time.Minute), Route: "support", KeyID: "team-a", Tags: []string{"prod"}, PrimaryModel: "gpt-4o", AnsweringModel: "gpt-4o-mini",
			ServedByCandidate: true, Status: 200, Usage: u(1000, 500), Priced: true, CostMicros: 450, CounterfactualMicros: 7500,
			Attempts: []capture.Attempt{{Model: "gpt-4o", Status: 503, ErrorClass: "upstream_5xx", CostMicros: 0}, {Model: "gpt-4o", Status: 200, ErrorClass: "truncated", CostMicros: 120}, {Model: "gpt-4o-mini", Status: 200, CostMicros: 450}}},
		// an unpriced model, next hour
		{Time: t0.Add(time.Hour), Route: "support", KeyID: "team-b", PrimaryModel: "gpt-4o", AnsweringModel: "mystery",
			Status: 200, Usage: u(10, 10), Priced: false},
		// succeeded without usage: unknown, not unpriced, not zero-cost
		{Time: t0.Add(time.Hour), Route: "batch", KeyID: "team-b", AnsweringModel: "gpt-4o", Status: 200},
		// failed without usage: an error, neither unpriced nor unknown
		{Time: t0.Add(time.Hour), Route: "batch", KeyID: "team-b", AnsweringModel: "gpt-4o", Status: 502, ErrorClass: "upstream_5xx"},
	}
	for _, db := range testDBs(t) {
		t.Run(string(db.Dialect), func(t *testing.T) {
			ctx := context.Background()
			r, err := OpenRollups(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			writeVia(t, r, recs[:2])
			writeVia(t, r, recs[2:]) // second batch upserts into existing rows
			from, to := t0.Truncate(24*time.Hour), t0.Truncate(24*time.Hour).Add(24*time.Hour)

			all, err := r.Sums(ctx, "day", "all", from, to)
			if err != nil {
				t.Fatal(err)
			}
			tot := all[""]
			// cost 7500 + 450 = 7950 µ$; counterfactual 7500 + 7500 = 15000 µ$;
			// realized savings 15000 − 7950 = 7050 µ$; failed attempts 2 costing 0 + 120 = 120 µ$.
			want := Totals{Calls: 5, Errors: 1, UnpricedCalls: 1, UnknownUsageCalls: 1, InputTokens: 2010, OutputTokens: 1010,
				CostMicros: 7950, CounterfactualMicros: 15000, SavingsBaseMicros: 7950, CandidateCalls: 1, CandidateCostMicros: 450,
				FailedAttempts: 2, FailedAttemptMicros: 120}
			if tot != want {
				t.Fatalf("day totals\n got %+v\nwant %+v", tot, want)
			}
			if tot.RealizedSavingsMicros() != 7050 || tot.SpendMicros() != 8070 {
				t.Fatalf("savings %d spend %d; want 7050 and 8070", tot.RealizedSavingsMicros(), tot.SpendMicros())
			}

			hours, err := r.Rows(ctx, "hour", "all", from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(hours) != 2 || hours[0].Calls != 2 || hours[1].Calls != 3 || !hours[0].Bucket.Equal(t0.Truncate(time.Hour)) {
				t.Fatalf("hour rows = %+v; want 2 buckets of 2 and 3 calls starting 14:00", hours)
			}
			tags, _ := r.Sums(ctx, "day", "tag", from, to)
			if tags["prod"].Calls != 2 {
				t.Fatalf("tag prod = %d calls; want 2 (a repeated tag counts once)", tags["prod"].Calls)
			}
			models, _ := r.Sums(ctx, "hour", "model", from, to)
			if models["mystery"].UnpricedCalls != 1 || models["gpt-4o"].UnknownUsageCalls != 1 || models["gpt-4o"].UnpricedCalls != 0 {
				t.Fatalf("model sums = %+v", models)
			}
			keys, _ := r.Sums(ctx, "day", "key", from, to)
			if keys["team-a"].CostMicros != 7950 || keys["team-b"].Calls != 3 {
				t.Fatalf("key sums = %+v", keys)
			}
		})
	}
}

func TestHourSumsOverRaggedRangesUseDayRowsCorrectly(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var recs []*capture.Record
	for i := 0; i < 24*4; i++ { // one call per hour for four days, 1 µ$ × hour index
		recs = append(recs, &capture.Record{Time: start.Add(time.Duration(i)*time.Hour + 17*time.Minute), Route: "r", AnsweringModel: "m",
			Status: 200, Priced: true, CostMicros: int64(i), Usage: openai.Usage{Input: openai.Some(1), Output: openai.Some(1)}})
	}
	for _, db := range testDBs(t) {
		ctx := context.Background()
		r, err := OpenRollups(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		writeVia(t, r, recs)
		for _, rg := range [][2]int{{5, 90}, {0, 96}, {5, 20}, {24, 48}, {23, 25}} {
			from, to := start.Add(time.Duration(rg[0])*time.Hour), start.Add(time.Duration(rg[1])*time.Hour)
			sums, err := r.Sums(ctx, "hour", "route", from, to)
			if err != nil {
				t.Fatal(err)
			}
			// hours a..b−1 cost a + … + (b−1) = (a + b − 1)(b − a) / 2 µ$
			a, b := int64(rg[0]), int64(rg[1])
			if got := sums["r"]; got.CostMicros != (a+b-1)*(b-a)/2 || got.Calls != b-a {
				t.Errorf("%s hours [%d,%d): cost %d calls %d; want %d and %d", db.Dialect, a, b, got.CostMicros, got.Calls, (a+b-1)*(b-a)/2, b-a)
			}
		}
	}
}
