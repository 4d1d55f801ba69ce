package promotion

import (
	"strings"
	"testing"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/router"
)

func testPolicy() *config.Promotion {
	cfg, err := config.Parse([]byte(`
auth: {mode: none}
providers: {p: {type: openai, base_url: "http://127.0.0.1:1/v1"}}
models: {big: {provider: p}, small: {provider: p}}
routes:
  - name: r
    match: {models: [big]}
    primary: big
    candidates:
      - model: small
        promotion:
          thresholds: {tool_call: 0.90, json_valid: 0.95}
          hard_gates: [json_valid]
          min_samples: 200
          min_duration: 10m
          step_samples: 100
          step_duration: 5m
          steps: [5, 50, 100]
`))
	if err != nil {
		panic(err)
	}
	return &cfg.Routes[0].Candidates[0].Promotion
}

// ev is evidence with the given tool_call pass rate and json_valid 1.0.
func ev(n int64, toolRate float64) *Evidence {
	return &Evidence{
		Evaluators: map[string]EvaluatorEvidence{
			"tool_call":  {N: n, Passes: int64(float64(n)*toolRate + 0.5)},
			"json_valid": {N: n, Passes: n},
		},
		CandidateN: n, PrimaryN: n, CandidateP95Ms: 100, PrimaryP95Ms: 100,
	}
}

func TestShadowToCanaryToPromoted(t *testing.T) {
	p := testPolicy()
	t0 := time.Unix(1_700_000_000, 0)
	c := NewCandidate("r", config.Candidate{Model: "small", Version: "v1"}, t0)
	var path []string
	now := t0
	for i := 0; i < 20 && c.Stage != router.StagePromoted; i++ {
		now = now.Add(6 * time.Minute)
		_, tr, v := Step(c, p, ev(2000, 0.99), ev(150, 0.99), now, false)
		if tr != nil {
			path = append(path, tr.To)
			if tr.Verdict == nil || tr.Cum.Evaluators["tool_call"].Lower < 0.9 {
				t.Fatalf("transition without its evidence and bounds: %+v", tr)
			}
		} else if v.Outcome != Hold {
			t.Fatalf("check %d: %v %v", i, v.Outcome, v.Reasons)
		}
	}
	if got := strings.Join(path, ">"); got != "canary-1>canary-2>canary-3>promoted" || c.Share != 1 {
		t.Fatalf("path %s share %v", got, c.Share)
	}
}

func TestMinimumsHoldTheGate(t *testing.T) {
	p := testPolicy()
	t0 := time.Unix(1_700_000_000, 0)
	c := NewCandidate("r", config.Candidate{Model: "small", Version: "v1"}, t0)
	if _, tr, v := Step(c, p, ev(2000, 0.99), ev(2000, 0.99), t0.Add(time.Minute), false); tr != nil || v.Outcome != Hold {
		t.Fatalf("before min_duration: %v %v", tr, v)
	}
	if _, tr, v := Step(c, p, ev(150, 1), ev(150, 1), t0.Add(time.Hour), false); tr != nil || v.Outcome != Hold {
		t.Fatalf("below min_samples: %v %v", tr, v)
	}
	if _, tr, _ := Step(c, p, ev(2000, 0.99), ev(2000, 0.99), t0.Add(time.Hour), true); tr != nil {
		t.Fatalf("another candidate serving must block: %v", tr)
	}
}

// windowNear finds a window whose tool_call upper bound lies within
// (0.90 - margin, 0.90): failing in shadow, holding while serving.
func windowNear(t *testing.T, p *config.Promotion) *Evidence {
	for n := int64(300); n < 20000; n += 100 {
		e := ev(n, 0.885)
		_, hi := Bounds(e.Evaluators["tool_call"].Passes, n, p.Confidence)
		if hi < 0.90 && hi > 0.90-p.DemotionMargin {
			return e
		}
	}
	t.Fatal("no window found")
	return nil
}

func TestHysteresisHoldsWhileFlappingAtTheThreshold(t *testing.T) {
	p := testPolicy()
	t0 := time.Unix(1_700_000_000, 0)
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StagePromoted, Share: 1, EnteredAt: t0, StageAt: t0, EpochAt: t0}
	near := windowNear(t, p)
	// Alternate between a window just below the threshold and one just above it.
	for i := 0; i < 30; i++ {
		w := near
		if i%2 == 1 {
			w = ev(near.Evaluators["tool_call"].N, 0.915)
		}
		Step(c, p, ev(5000, 0.93), cloneEv(w), t0.Add(time.Duration(i)*time.Minute), false)
		if c.Stage != router.StagePromoted {
			t.Fatalf("check %d: flapping at the threshold demoted the candidate (%s)", i, c.Stage)
		}
	}
	// The same window fails a shadow candidate, which has no margin.
	s := NewCandidate("r", config.Candidate{Model: "small", Version: "v2"}, t0)
	for i := 0; i < p.FailuresBeforeRollback; i++ {
		Step(s, p, cloneEv(near), cloneEv(near), t0.Add(time.Hour), false)
	}
	if s.Stage != router.StageRolledBack {
		t.Fatalf("shadow candidate below threshold: stage %s", s.Stage)
	}
}

func cloneEv(e *Evidence) *Evidence {
	cp := *e
	cp.Evaluators = map[string]EvaluatorEvidence{}
	for k, v := range e.Evaluators {
		cp.Evaluators[k] = v
	}
	return &cp
}

func TestGuardrailBreachesRollBackAfterConsecutiveFailures(t *testing.T) {
	p := testPolicy()
	t0 := time.Unix(1_700_000_000, 0)
	for name, mutate := range map[string]func(e *Evidence){
		"errors":  func(e *Evidence) { e.CandidateErrors = e.CandidateN / 10; e.PrimaryErrors = e.PrimaryN / 100 },
		"latency": func(e *Evidence) { e.CandidateP95Ms = 400 },
	} {
		c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StageCanary, Step: 2, Share: 0.5, EnteredAt: t0, StageAt: t0, EpochAt: t0}
		for i := 1; i <= p.FailuresBeforeRollback; i++ {
			w := ev(200, 0.99)
			mutate(w)
			_, tr, v := Step(c, p, ev(2000, 0.99), w, t0.Add(time.Hour), false)
			if v.Outcome != Fail {
				t.Fatalf("%s: check %d outcome %v", name, i, v.Outcome)
			}
			if (tr != nil) != (i == p.FailuresBeforeRollback) {
				t.Fatalf("%s: check %d transition %v", name, i, tr)
			}
		}
		if c.Stage != router.StageRolledBack || c.Share != 0 {
			t.Fatalf("%s: stage %s share %v", name, c.Stage, c.Share)
		}
	}
	// A passing check between failures resets the count.
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StagePromoted, Share: 1, EnteredAt: t0, StageAt: t0, EpochAt: t0}
	bad := ev(200, 0.99)
	bad.CandidateP95Ms = 400
	for i := 0; i < 10; i++ {
		w := ev(200, 0.99)
		if i%2 == 0 {
			w = cloneEv(bad)
		}
		Step(c, p, ev(2000, 0.99), w, t0.Add(time.Hour), false)
	}
	if c.Stage != router.StagePromoted {
		t.Fatalf("non-consecutive failures rolled back")
	}
}

func TestHardGateFailsImmediately(t *testing.T) {
	p := testPolicy()
	t0 := time.Unix(1_700_000_000, 0)
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StagePromoted, Share: 1, EnteredAt: t0, StageAt: t0, EpochAt: t0}
	w := ev(300, 0.99)
	w.Evaluators["json_valid"] = EvaluatorEvidence{N: 300, Passes: 270}
	_, tr, v := Step(c, p, ev(2000, 0.99), w, t0.Add(time.Hour), false)
	if tr == nil || tr.To != router.StageRolledBack || !v.Hard || !strings.Contains(tr.Reason, "hard") {
		t.Fatalf("hard gate: %+v %+v", tr, v)
	}
}

func TestCooldownReturnsToShadow(t *testing.T) {
	p := testPolicy()
	t0 := time.Unix(1_700_000_000, 0)
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StageRolledBack, RolledBackAt: t0}
	if _, tr, _ := Step(c, p, ev(1, 1), ev(1, 1), t0.Add(p.Cooldown/2), false); tr != nil {
		t.Fatalf("left rolled_back before the cooldown")
	}
	if _, tr, _ := Step(c, p, ev(1, 1), ev(1, 1), t0.Add(p.Cooldown), false); tr == nil || c.Stage != router.StageShadow || !c.EnteredAt.Equal(t0.Add(p.Cooldown)) {
		t.Fatalf("after cooldown: %+v %+v", tr, c)
	}
}

func TestOperatorPauseResumePin(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	p := testPolicy()
	c := &Candidate{Route: "r", Model: "small", Version: "v1", Stage: router.StageCanary, Step: 2, Share: 0.5}
	tr, err := Operate(c, ActionPause, 0, "alice", "", t0)
	if err != nil || c.Stage != router.StagePaused || c.Share != 0.5 || tr.Actor != "operator:alice" || tr.From != "canary-2" {
		t.Fatalf("pause: %+v %v", tr, err)
	}
	if _, tr, _ := Step(c, p, ev(5000, 0.99), ev(5000, 0.99), t0.Add(time.Hour), false); tr != nil {
		t.Fatal("a paused candidate stepped")
	}
	if _, err := Operate(c, ActionPin, 0, "bob", "incident", t0); err != nil || c.Stage != router.StagePinned || c.Share != 0 {
		t.Fatalf("pin: %+v %v", c, err)
	}
	if tr, err := Operate(c, ActionResume, 0, "bob", "", t0); err != nil || c.Stage != router.StageCanary || c.Step != 2 || c.Share != 0.5 || tr.To != "canary-2" {
		t.Fatalf("resume: %+v %v", c, err)
	}
	if _, err := Operate(c, ActionResume, 0, "bob", "", t0); err == nil {
		t.Fatal("resume of a running candidate must fail")
	}
}
