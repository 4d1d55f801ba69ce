package shadow

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/router"
)

// TestJudgeScoresWithinItsBudget: the judge grades sampled pairs through the
// Caller, its spend is counted as evaluation overhead, and it stops for the
// day once the budget is reached.
func TestJudgeScoresWithinItsBudget(t *testing.T) {
	var judged atomic.Int64
	judgeSrv := newFakeModel(t, func(body []byte) (int, string) {
		judged.Add(1)
		user := gjson.GetBytes(body, "messages.1.content").String()
		pass := strings.Count(user, "Paris") == 3 // the question, the reference and the candidate
		content := fmt.Sprintf(`{"score": %v, "pass": %v, "reason": "compared the calls"}`, map[bool]float64{true: 0.9, false: 0.2}[pass], pass)
		return 200, chatResponse("judge", openai.Message{Content: content})
	})
	cand := newFakeModel(t, func(body []byte) (int, string) {
		return 200, chatResponse("slm", weatherCall(map[bool]string{true: "Paris", false: "London"}[cityOf(body) == "Paris"]))
	})
	st := sqliteStore(t)
	// each judge call costs 150 tokens × 2 = 300 micros; budget 700 → 3 calls.
	judge := &Judge{Model: "judge", Rate: 1, BudgetMicros: 700, Caller: httpCaller{judgeSrv.srv.URL}, Pricer: fixedPricer{"judge": 2}}
	tee := NewTee(Options{Concurrency: 1}, Deps{Caller: routedCaller{"slm": httpCaller{cand.srv.URL}}, Store: st, Judge: judge})
	d := decision(router.Shadow{Model: "slm", Version: "v1", Rate: 1})
	d.Evaluators = []string{"tool_call", "llm_judge"}
	for _, c := range []string{"Paris", "Oslo", "Paris", "Rome", "Paris"} {
		tee.Duplicate(context.Background(), record("r-"+c, toolRequest(c), weatherCall(c)), d)
	}
	if err := tee.Close(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	ev, _ := st.Evidence(context.Background(), "weather", "slm", "v1", time.Time{})
	j := ev.Evaluators["llm_judge"]
	if judged.Load() != 3 || j.N != 3 || ev.JudgeCalls != 3 || ev.JudgeCostMicros != 900 || ev.Evaluators["tool_call"].N != 5 {
		t.Fatalf("judged=%d llm_judge=%+v calls=%d cost=%d", judged.Load(), j, ev.JudgeCalls, ev.JudgeCostMicros)
	}
	// Paris, Oslo, Paris were judged (concurrency 1 keeps the order): 2 passes.
	if j.Passes != 2 || j.ScoreSum < 1.99 || j.ScoreSum > 2.01 {
		t.Fatalf("llm_judge verdicts: %+v", j)
	}
	if ev.CandidateCostMicros != 0 || ev.CandidatePriced != 0 {
		t.Fatalf("judge spend leaked into the candidate's cost: %+v", ev)
	}
}

func TestParseVerdictRejectsMalformedAnswers(t *testing.T) {
	for _, s := range []string{`not json`, `{"score":"high","pass":true}`, `{"score":0.5}`, `[1]`} {
		if _, ok := parseVerdict(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
	if r, ok := parseVerdict("<think>hmm</think>{\"score\": 1.7, \"pass\": true}"); !ok || r.Score != 1 || !r.Pass {
		t.Errorf("clamped verdict: %+v %v", r, ok)
	}
}
