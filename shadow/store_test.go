package shadow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/shadow/eval"
)

func scoredPair(at time.Time, model, version string, pass bool, candLatency time.Duration) *Pair {
	score := 0.0
	if pass {
		score = 1
	}
	return &Pair{CaptureID: "c", Time: at, Route: "weather", Model: model, Version: version, CandidateStatus: 200,
		CandidateLatency: candLatency, CandidateCost: 10, CandidatePriced: true, PrimaryStatus: 200,
		PrimaryLatency: time.Second, PrimaryCost: 100, PrimaryPriced: true,
		Scores: []eval.Result{{Evaluator: "exact_match", Score: score, Pass: pass}}}
}

// TestEvidenceWindowsAndSummaries: the since-appeared window sees all
// pairs, the rolling window only recent hours; p95 comes from the log
// buckets; summaries split per UTC day.
func TestEvidenceWindowsAndSummaries(t *testing.T) {
	eachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)
		old := now.Add(-72 * time.Hour)
		for i := range 40 { // old: 40 pairs, all fail, slow
			mustAdd(t, st, scoredPair(old.Add(time.Duration(i)*time.Minute), "slm", "v1", false, 2*time.Second))
		}
		for i := range 100 { // recent: 100 pairs, 90 pass; 5 very slow
			lat := 200 * time.Millisecond
			if i < 6 {
				lat = 5 * time.Second
			}
			mustAdd(t, st, scoredPair(now.Add(-time.Duration(i)*time.Minute), "slm", "v1", i >= 10, lat))
		}
		mustAdd(t, st, &Pair{CaptureID: "e", Time: now, Route: "weather", Model: "slm", Version: "v1", CandidateError: "status 503", PrimaryStatus: 200, PrimaryLatency: time.Second})
		all, err := st.Evidence(ctx, "weather", "slm", "v1", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		roll, _ := st.Evidence(ctx, "weather", "slm", "v1", now.Add(-24*time.Hour))
		if em := all.Evaluators["exact_match"]; all.Pairs != 141 || em.N != 140 || em.Passes != 90 || !all.First.Equal(old.Truncate(time.Hour)) {
			t.Fatalf("all: pairs=%d em=%+v first=%v", all.Pairs, em, all.First)
		}
		if em := roll.Evaluators["exact_match"]; roll.Pairs != 101 || em.N != 100 || em.Passes != 90 || em.PassRate != 0.9 {
			t.Fatalf("rolling: pairs=%d em=%+v", roll.Pairs, em)
		}
		if roll.CandidateErrors != 1 || roll.CandidateErrorRate != 1.0/101 || roll.PrimaryErrors != 0 {
			t.Fatalf("errors: %+v", roll)
		}
		// 6 of 100 successful recent candidate calls took 5s: p95 is in the 5s bucket.
		if roll.CandidateP95 < 5*time.Second || roll.CandidateP95 > 5500*time.Millisecond || roll.PrimaryP95 < time.Second || roll.PrimaryP95 > 1100*time.Millisecond {
			t.Fatalf("p95: candidate %v primary %v", roll.CandidateP95, roll.PrimaryP95)
		}
		if roll.CostRatio != 0.1 || roll.CandidateCostMicros != 1000 {
			t.Fatalf("cost: %+v", roll)
		}
		sums, err := st.Summaries(ctx, old.Add(-time.Hour), now.Add(time.Hour))
		if err != nil || len(sums) < 2 || sums[0].Pairs != 40 || sums[0].Evaluators["exact_match"].Passes != 0 {
			t.Fatalf("summaries %v: %+v", err, sums)
		}
		var total int64
		for _, s := range sums {
			total += s.Pairs
		}
		if total != 141 {
			t.Fatalf("summaries add up to %d pairs", total)
		}
	})
}

func TestAdminHandler(t *testing.T) {
	st := sqliteStore(t)
	mustAdd(t, st, scoredPair(time.Now(), "slm", "v2", true, time.Second))
	mux := http.NewServeMux()
	mux.Handle("GET /admin/v1/routes/{route}/candidates", AdminHandler(st,
		func() map[string][]Configured {
			return map[string][]Configured{"weather": {{Model: "slm", Version: "v3", SampleRate: 0.2}}}
		},
		func() time.Duration { return 24 * time.Hour }))
	rr := httptest.NewRecorder()
	mux.ServeHTTP(rr, httptest.NewRequest("GET", "/admin/v1/routes/weather/candidates", nil))
	var v RouteView
	if rr.Code != 200 || json.Unmarshal(rr.Body.Bytes(), &v) != nil || len(v.Candidates) != 2 {
		t.Fatalf("%d %s", rr.Code, rr.Body)
	}
	if c := v.Candidates[0]; c.Version != "v2" || c.Configured || c.All.Pairs != 1 || c.Rolling.Evaluators["exact_match"].Passes != 1 {
		t.Fatalf("v2: %+v", c)
	}
	if c := v.Candidates[1]; c.Version != "v3" || !c.Configured || c.SampleRate != 0.2 || c.All.Pairs != 0 {
		t.Fatalf("v3: %+v", c)
	}
	rr = httptest.NewRecorder()
	mux.ServeHTTP(rr, httptest.NewRequest("GET", "/admin/v1/routes/nope/candidates", nil))
	if rr.Code != 404 || !json.Valid(rr.Body.Bytes()) {
		t.Fatalf("unknown route: %d %s", rr.Code, rr.Body)
	}
}

func mustAdd(t *testing.T, st *Store, p *Pair) {
	t.Helper()
	if err := st.Add(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func TestPairsRoundTripAndFailedFilter(t *testing.T) {
	eachDialect(t, func(t *testing.T, st *Store) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		ok := scoredPair(now.Add(-2*time.Second), "slm", "v1", true, 150*time.Millisecond)
		ok.CandidateOutput = json.RawMessage(`{"content":"Paris"}`)
		ok.CandidateUsage.Input = openaiCount(12)
		bad := scoredPair(now.Add(-time.Second), "slm", "v1", false, time.Second)
		bad.Reverse, bad.ReferenceOutput = true, json.RawMessage(`{"content":"Lyon"}`)
		errPair := &Pair{CaptureID: "e", Time: now, Route: "weather", Model: "slm", Version: "v1", CandidateError: "status 500"}
		other := scoredPair(now, "slm", "v2", false, time.Second)
		for _, p := range []*Pair{ok, bad, errPair, other} {
			mustAdd(t, st, p)
		}
		all, err := st.Pairs(context.Background(), PairQuery{Route: "weather", Model: "slm", Version: "v1"})
		if err != nil || len(all) != 3 || all[0].CandidateError != "status 500" || !all[1].Reverse || string(all[1].ReferenceOutput) != `{"content":"Lyon"}` {
			t.Fatalf("%v: %+v", err, all)
		}
		got := all[2]
		if got.ID != ok.ID || !got.Time.Equal(ok.Time) || got.CandidateLatency != 150*time.Millisecond || string(got.CandidateOutput) != `{"content":"Paris"}` ||
			got.CandidateUsage.Input.Or(-1) != 12 || len(got.Scores) != 1 || !got.Scores[0].Pass || !got.CandidatePriced {
			t.Fatalf("round trip: %+v", got)
		}
		failed, _ := st.Pairs(context.Background(), PairQuery{Model: "slm", Version: "v1", Failed: true})
		if len(failed) != 2 {
			t.Fatalf("failed filter: %d pairs", len(failed))
		}
		if lim, _ := st.Pairs(context.Background(), PairQuery{Limit: 1}); len(lim) != 1 {
			t.Fatalf("limit: %d", len(lim))
		}
	})
}
