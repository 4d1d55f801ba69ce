package promotion

import (
	"fmt"
	"sort"

	"github.com/fledgling-ai/fledgling/internal/config"
)

// Outcome of one gate check.
type Outcome int

// Gate outcomes: advance, keep collecting, or count a failure.
const (
	Hold Outcome = iota
	Pass
	Fail
)

func (o Outcome) String() string { return [...]string{"hold", "pass", "fail"}[o] }

// Verdict is a gate check's outcome and why.
type Verdict struct {
	Outcome Outcome  `json:"outcome"`
	Hard    bool     `json:"hard"` // a hard gate failed: roll back at once
	Reasons []string `json:"reasons"`
}

// Check is one gate evaluation's inputs.
type Check struct {
	Policy *config.Promotion
	// Cum is evidence since the version entered shadow; Win since the
	// current step or epoch began.
	Cum, Win *Evidence
	// Serving: the candidate takes traffic, so demotion_margin applies.
	Serving bool
	// Samples and duration the stage requires, and what it has.
	NeedSamples int64
	HaveSamples int64
	NeedElapsed bool // false while the stage's minimum duration has not passed
}

// Gate evaluates a check. Bounds are written back into the evidence so the
// transition records them.
func Gate(c Check) Verdict {
	var v Verdict
	pass := true
	for _, name := range sortedNames(c.Policy.Thresholds) {
		ok, fail, hard := c.quality(name, &v)
		pass = pass && ok
		if fail {
			v.Outcome = Fail
			v.Hard = v.Hard || hard
		}
	}
	if c.guardrails(&v) {
		v.Outcome = Fail
	}
	if v.Outcome == Fail {
		return v
	}
	pass = c.minimums(&v) && c.savings(&v) && pass && len(c.Policy.Thresholds) > 0
	if len(c.Policy.Thresholds) == 0 {
		v.Reasons = append(v.Reasons, "no thresholds configured: the gate cannot pass")
	}
	if pass {
		v.Outcome = Pass
	}
	return v
}

// quality checks one threshold: ok when the cumulative lower bound clears
// it; fail when the window's upper bound falls below it (less the demotion
// margin while serving, unless it is a hard gate).
func (c Check) quality(name string, v *Verdict) (ok, fail, hard bool) {
	th := c.Policy.Thresholds[name]
	hard = contains(c.Policy.HardGates, name)
	cum := fill(c.Cum, name, c.Policy.Confidence)
	win := fill(c.Win, name, c.Policy.Confidence)
	floor := th
	if c.Serving && !hard {
		floor = th - c.Policy.DemotionMargin
	}
	if win.N > 0 && win.Upper < floor {
		v.Reasons = append(v.Reasons, fmt.Sprintf("%s: upper bound %.4f < %.4f (n=%d)", name, win.Upper, floor, win.N))
		return false, true, hard
	}
	if cum.N == 0 || cum.Lower < th {
		v.Reasons = append(v.Reasons, fmt.Sprintf("%s: lower bound %.4f < %.2f (n=%d)", name, cum.Lower, th, cum.N))
		return false, false, hard
	}
	return true, false, hard
}

// fill computes an evaluator's bounds in place and returns it.
func fill(e *Evidence, name string, conf float64) EvaluatorEvidence {
	ev, ok := e.Evaluators[name]
	if !ok {
		return EvaluatorEvidence{Upper: 1}
	}
	ev.Lower, ev.Upper = Bounds(ev.Passes, ev.N, conf)
	e.Evaluators[name] = ev
	return ev
}

// minGuardN is how many candidate calls a guardrail needs before it can fail.
const minGuardN = 30

// guardrails reports a breach on the window's error rate or p95 latency.
func (c Check) guardrails(v *Verdict) (breach bool) {
	w, p := c.Win, c.Policy
	if w.CandidateN >= minGuardN {
		ce, pe := rate(w.CandidateErrors, w.CandidateN), rate(w.PrimaryErrors, w.PrimaryN)
		if ce > pe+p.MaxErrorRateIncrease {
			v.Reasons = append(v.Reasons, fmt.Sprintf("guardrail: error rate %.4f > primary %.4f + %.4f", ce, pe, p.MaxErrorRateIncrease))
			breach = true
		}
		if w.PrimaryP95Ms > 0 && w.CandidateP95Ms > p.MaxP95LatencyRatio*w.PrimaryP95Ms {
			v.Reasons = append(v.Reasons, fmt.Sprintf("guardrail: p95 %.0fms > %.2f× primary %.0fms", w.CandidateP95Ms, p.MaxP95LatencyRatio, w.PrimaryP95Ms))
			breach = true
		}
	}
	return breach
}

func (c Check) minimums(v *Verdict) bool {
	ok := true
	if c.HaveSamples < c.NeedSamples {
		v.Reasons = append(v.Reasons, fmt.Sprintf("samples %d < %d", c.HaveSamples, c.NeedSamples))
		ok = false
	}
	if !c.NeedElapsed {
		v.Reasons = append(v.Reasons, "minimum duration not reached")
		ok = false
	}
	return ok
}

func (c Check) savings(v *Verdict) bool {
	floor := int64(c.Policy.MinNetSavingsUSD * 1e6)
	if floor <= 0 {
		return true
	}
	if !c.Cum.SavingsKnown || c.Cum.NetSavingsMicrosPerDay < floor {
		v.Reasons = append(v.Reasons, fmt.Sprintf("net savings %d µ$/day below floor %d (known=%v)", c.Cum.NetSavingsMicrosPerDay, floor, c.Cum.SavingsKnown))
		return false
	}
	return true
}

func sortedNames(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
