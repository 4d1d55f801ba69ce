package shadow

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/router"
)

func decision(shadows ...router.Shadow) router.Decision {
	return router.Decision{Route: "weather", Primary: "gpt-4o", Targets: []router.Target{{Model: "gpt-4o"}}, Shadows: shadows, SamplingMode: "uniform"}
}

var cities = []string{"Paris", "Lyon", "Oslo", "Rome", "Bern", "Kyiv", "Riga", "Nice", "Lima", "Baku"}

// TestTeeScoresForwardPairs: a candidate that gets 7 of 10 cities right (and
// writes its arguments in another key order) yields 7 tool_call passes, with
// costs, latencies, redacted outputs and the replayed body as specified.
func TestTeeScoresForwardPairs(t *testing.T) {
	eachDialect(t, func(t *testing.T, st *Store) {
		cand := newFakeModel(t, func(body []byte) (int, string) {
			city := cityOf(body)
			if city == "Oslo" || city == "Rome" || city == "Bern" {
				city = "London" // a wrong argument
			}
			return 200, chatResponse("slm-1", openai.Message{ToolCalls: []openai.ToolCall{{Name: "get_weather", Arguments: `{ "unit": "celsius", "city": "` + city + `" }`}}})
		})
		reg := prometheus.NewRegistry()
		m := NewMetrics(reg)
		tee := NewTee(Options{}, Deps{Caller: httpCaller{cand.srv.URL}, Store: st, Pricer: fixedPricer{"slm": 1}, Redactor: upperRedactor{}, Metrics: m})
		for _, c := range cities {
			tee.Duplicate(context.Background(), record("req-"+c, toolRequest(c), weatherCall(c)), decision(router.Shadow{Model: "slm", Version: "v3", Rate: 1}))
		}
		if err := tee.Close(ctxTimeout(t, 10*time.Second)); err != nil {
			t.Fatalf("close: %v", err)
		}
		ev, err := st.Evidence(context.Background(), "weather", "slm", "v3", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		tc := ev.Evaluators["tool_call"]
		if ev.Pairs != 10 || tc.N != 10 || tc.Passes != 7 || ev.Evaluators["tool_call.name"].Passes != 10 || ev.Evaluators["tool_call.args"].Passes != 7 {
			t.Fatalf("pairs=%d tool_call=%+v name=%+v", ev.Pairs, tc, ev.Evaluators["tool_call.name"])
		}
		if !(tc.AnytimeLo < 0.7 && tc.AnytimeHi > 0.7 && tc.WilsonLo < 0.7 && tc.AnytimeLo <= tc.WilsonLo) {
			t.Fatalf("bounds do not bracket 0.7 sensibly: %+v", tc)
		}
		if ev.CandidateCostMicros != 1500 || ev.PrimaryCostMicros != 9000 || ev.CostRatio != 1500.0/9000 {
			t.Fatalf("costs: cand=%d prim=%d ratio=%g", ev.CandidateCostMicros, ev.PrimaryCostMicros, ev.CostRatio)
		}
		if ev.PrimaryP95 < 300*time.Millisecond || ev.PrimaryP95 > 330*time.Millisecond || ev.CandidateP95 <= 0 || ev.LatencyRatio <= 0 {
			t.Fatalf("latency p95: cand=%v prim=%v ratio=%g", ev.CandidateP95, ev.PrimaryP95, ev.LatencyRatio)
		}
		for _, body := range cand.requests() {
			if gjson.GetBytes(body, "model").String() != "slm" || gjson.GetBytes(body, "stream").Bool() || gjson.GetBytes(body, "stream_options").Exists() ||
				gjson.GetBytes(body, "tools.0.function.name").String() != "get_weather" {
				t.Fatalf("replayed body: %s", body)
			}
		}
		var out string
		st.db.QueryRow(`SELECT candidate_output FROM shadow_pairs WHERE capture_id = 'req-Paris'`).Scan(&out)
		if !strings.Contains(out, "[CITY]") || strings.Contains(out, "Paris") {
			t.Fatalf("stored output not redacted: %s", out)
		}
		if got := value(m.evals.WithLabelValues("weather", "slm", "v3", "tool_call", "pass")); got != 7 {
			t.Fatalf("metric passes = %g", got)
		}
	})
}

// TestTeeNeverBlocksOnHungCandidate: with a candidate that never answers,
// Duplicate returns at once every time, the queue overflows into counted
// drops, and shutdown is bounded and scores nothing it cancelled.
func TestTeeNeverBlocksOnHungCandidate(t *testing.T) {
	st := sqliteStore(t)
	hung := newFakeModel(t, func([]byte) (int, string) { return 0, "" })
	m := NewMetrics(prometheus.NewRegistry())
	tee := NewTee(Options{QueueSize: 8, Concurrency: 2, Timeout: time.Hour}, Deps{Caller: httpCaller{hung.srv.URL}, Store: st, Metrics: m})
	rec := record("req-1", toolRequest("Paris"), weatherCall("Paris"))
	start := time.Now()
	for range 2000 {
		tee.Duplicate(context.Background(), rec, decision(router.Shadow{Model: "slm", Version: "v1", Rate: 1}))
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("2000 Duplicate calls took %v: the tee blocks its caller", el)
	}
	dropped := value(m.dropped.WithLabelValues("slm", "queue_full"))
	if dropped < 2000-8-2 || dropped > 2000-8 {
		t.Fatalf("dropped %g, want about %d", dropped, 2000-8-2)
	}
	err := tee.Close(ctxTimeout(t, 200*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("close with hung calls = %v, want deadline exceeded", err)
	}
	ev, _ := st.Evidence(context.Background(), "weather", "slm", "v1", time.Time{})
	if ev.Pairs != 0 {
		t.Fatalf("%d pairs stored from calls cancelled by shutdown", ev.Pairs)
	}
	tee.Duplicate(context.Background(), rec, decision(router.Shadow{Model: "slm", Version: "v1", Rate: 1})) // after close: no panic
}

// TestTeeCountsFailuresAgainstTheCandidate: timeouts, 5xx and garbage
// bodies are candidate errors and fail every evaluator of the pair.
func TestTeeCountsFailuresAgainstTheCandidate(t *testing.T) {
	st := sqliteStore(t)
	slow := newFakeModel(t, func([]byte) (int, string) { return 0, "" })
	broken := newFakeModel(t, func([]byte) (int, string) { return 503, `{"error":{"message":"overloaded","type":"server_error"}}` })
	garbage := newFakeModel(t, func([]byte) (int, string) { return 200, `<html>502 Bad Gateway</html>` })
	caller := routedCaller{"slow": httpCaller{slow.srv.URL}, "broken": httpCaller{broken.srv.URL}, "garbage": httpCaller{garbage.srv.URL}}
	tee := NewTee(Options{Timeout: 100 * time.Millisecond}, Deps{Caller: caller, Store: st})
	d := decision(router.Shadow{Model: "slow", Version: "v1", Rate: 1}, router.Shadow{Model: "broken", Version: "v1", Rate: 1}, router.Shadow{Model: "garbage", Version: "v1", Rate: 1})
	tee.Duplicate(context.Background(), record("req-1", toolRequest("Paris"), weatherCall("Paris")), d)
	if err := tee.Close(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"slow", "broken", "garbage"} {
		ev, _ := st.Evidence(context.Background(), "weather", model, "v1", time.Time{})
		if ev.Pairs != 1 || ev.CandidateErrors != 1 || ev.PrimaryErrors != 0 || ev.Evaluators["tool_call"].N != 1 || ev.Evaluators["tool_call"].Passes != 0 {
			t.Errorf("%s: %+v", model, ev)
		}
	}
}

// TestTeeReverseShadow: the candidate served; the primary is replayed as the
// shadow and the pair is still candidate vs primary-as-reference.
func TestTeeReverseShadow(t *testing.T) {
	st := sqliteStore(t)
	primary := newFakeModel(t, func(body []byte) (int, string) { return 200, chatResponse("gpt-4o", weatherCall(cityOf(body))) })
	tee := NewTee(Options{}, Deps{Caller: httpCaller{primary.srv.URL}, Store: st, Pricer: fixedPricer{"gpt-4o": 10}})
	d := router.Decision{Route: "weather", Primary: "gpt-4o", Stage: "canary-2",
		Targets: []router.Target{{Model: "slm", Version: "v3", Candidate: true}, {Model: "gpt-4o"}},
		Shadows: []router.Shadow{{Model: "gpt-4o", Rate: 1, Reverse: true}}}
	good := record("req-good", toolRequest("Paris"), weatherCall("Paris"))
	bad := record("req-bad", toolRequest("Oslo"), weatherCall("London"))
	fellBack := record("req-fb", toolRequest("Rome"), weatherCall("Rome")) // candidate failed, primary answered
	good.ServedByCandidate, bad.ServedByCandidate = true, true
	good.AnsweringModel, bad.AnsweringModel = "slm", "slm"
	for _, rec := range []*capture.Record{good, bad, fellBack} {
		tee.Duplicate(context.Background(), rec, d)
	}
	if err := tee.Close(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	ev, _ := st.Evidence(context.Background(), "weather", "slm", "v3", time.Time{})
	if ev.Pairs != 3 || ev.ReversePairs != 3 || ev.CandidateErrors != 1 || ev.Evaluators["tool_call"].Passes != 1 || ev.Evaluators["tool_call"].N != 3 {
		t.Fatalf("reverse evidence: %+v", ev)
	}
	if ev.PrimaryCostMicros != 3*10*150 || ev.CandidateCostMicros != 3*900 {
		t.Fatalf("reverse costs: primary %d candidate %d", ev.PrimaryCostMicros, ev.CandidateCostMicros)
	}
	var ref string
	st.db.QueryRow(`SELECT reference_output FROM shadow_pairs WHERE capture_id = 'req-bad'`).Scan(&ref)
	var out storedOutput
	if json.Unmarshal([]byte(ref), &out) != nil || len(out.ToolCalls) != 1 || !strings.Contains(out.ToolCalls[0].Arguments, "Oslo") {
		t.Fatalf("reverse pair should keep the primary's answer as reference: %q", ref)
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// value reads a counter or gauge.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// TestTeeSkipsWhatItCannotCompare: client aborts, non-chat calls and
// routes without shadows are never replayed; a failed primary still is, and
// counts as a primary error without scores.
func TestTeeSkipsWhatItCannotCompare(t *testing.T) {
	st := sqliteStore(t)
	cand := newFakeModel(t, func(body []byte) (int, string) { return 200, chatResponse("slm", weatherCall(cityOf(body))) })
	tee := NewTee(Options{}, Deps{Caller: httpCaller{cand.srv.URL}, Store: st})
	d := decision(router.Shadow{Model: "slm", Version: "v1", Rate: 1})
	canceled := record("c1", toolRequest("Paris"), weatherCall("Paris"))
	canceled.ErrorClass, canceled.Status = "canceled", 499
	cut := record("c2", toolRequest("Paris"), weatherCall("Paris"))
	cut.Truncated = true
	emb := record("c3", []byte(`{"model":"text-embedding-3-small","input":"hi"}`), openai.Message{})
	emb.Kind = capture.KindEmbedding
	failedPrimary := record("c4", toolRequest("Oslo"), openai.Message{})
	failedPrimary.Status, failedPrimary.ErrorClass = 502, "connect"
	for _, r := range []*capture.Record{canceled, cut, emb, failedPrimary} {
		tee.Duplicate(context.Background(), r, d)
	}
	tee.Duplicate(context.Background(), record("c5", toolRequest("Rome"), weatherCall("Rome")), decision())
	tee.Duplicate(context.Background(), nil, d)
	if err := tee.Close(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := len(cand.requests()); n != 1 {
		t.Fatalf("candidate called %d times, want 1 (the failed primary only)", n)
	}
	ev, _ := st.Evidence(context.Background(), "weather", "slm", "v1", time.Time{})
	if ev.Pairs != 1 || ev.PrimaryErrors != 1 || ev.CandidateErrors != 0 || len(ev.Evaluators) != 0 {
		t.Fatalf("evidence: %+v", ev)
	}
}
