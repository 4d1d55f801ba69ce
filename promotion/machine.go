package promotion

import (
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/router"
)

// Transition is one recorded change of a candidate's stage, with the
// evidence it was decided on and who decided.
type Transition struct {
	Route   string  `json:"route"`
	Model   string  `json:"model"`
	Version string  `json:"version"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Share   float64 `json:"share"`
	Reason  string  `json:"reason"`
	// Actor is "controller" or "operator:NAME".
	Actor   string    `json:"actor"`
	Verdict *Verdict  `json:"verdict,omitempty"`
	Window  *Evidence `json:"window,omitempty"`
	Cum     *Evidence `json:"cumulative,omitempty"`
	At      time.Time `json:"at"`
	// Token is the fencing token the write carried; StateVersion the state it produced.
	Token        int64 `json:"token"`
	StateVersion int64 `json:"state_version"`
}

// epochFactor: once promoted, the evidence window restarts after this many
// times min_samples, so a later regression is not diluted by old evidence.
const epochFactor = 4

// Step is one gate check of a candidate. It mutates c and returns whether
// c changed, the transition if its stage changed, and the verdict. blocked
// holds a shadow candidate while another candidate on its route serves.
func Step(c *Candidate, p *config.Promotion, cum, win *Evidence, now time.Time, blocked bool) (changed bool, tr *Transition, v Verdict) {
	switch c.Stage {
	case router.StagePaused, router.StagePinned:
		return false, nil, Verdict{Reasons: []string{"held by an operator"}}
	case router.StageRolledBack:
		if now.Sub(c.RolledBackAt) < p.Cooldown {
			return false, nil, Verdict{Reasons: []string{"cooling down"}}
		}
		tr = c.move(router.StageShadow, 0, 0, now, "cooldown elapsed", p)
		return true, tr, Verdict{}
	}
	v = Gate(c.check(p, cum, win, now))
	tr = c.react(v, p, now, blocked)
	changed = tr != nil
	if c.Stage == router.StagePromoted && v.Outcome != Fail && win.pairs(p.Thresholds) >= int64(epochFactor*p.MinSamples) {
		c.EpochAt, changed = now, true
	}
	if v.Outcome != Fail && c.Failures > 0 {
		c.Failures, changed = 0, true
	}
	if tr != nil {
		tr.Verdict, tr.Window, tr.Cum = &v, win, cum
	}
	return changed || (v.Outcome == Fail), tr, v
}

func (c *Candidate) check(p *config.Promotion, cum, win *Evidence, now time.Time) Check {
	ch := Check{Policy: p, Cum: cum, Win: win, Serving: c.Stage != router.StageShadow}
	switch c.Stage {
	case router.StageShadow:
		ch.NeedSamples, ch.HaveSamples = int64(p.MinSamples), cum.pairs(p.Thresholds)
		ch.NeedElapsed = now.Sub(c.EnteredAt) >= p.MinDuration
	default:
		ch.NeedSamples, ch.HaveSamples = int64(p.StepSamples), win.pairs(p.Thresholds)
		ch.NeedElapsed = now.Sub(c.StageAt) >= p.StepDuration
	}
	return ch
}

// react applies a verdict: advance on pass, count failures, roll back.
func (c *Candidate) react(v Verdict, p *config.Promotion, now time.Time, blocked bool) *Transition {
	switch v.Outcome {
	case Fail:
		c.Failures++
		if v.Hard || c.Failures >= p.FailuresBeforeRollback {
			reason := "gate failed " + itoa(c.Failures) + " consecutive check(s)"
			if v.Hard {
				reason = "hard gate failed"
			}
			tr := c.move(router.StageRolledBack, 0, 0, now, reason, p)
			c.RolledBackAt = now
			return tr
		}
	case Pass:
		if c.Stage == router.StagePromoted || (blocked && c.Stage == router.StageShadow) {
			return nil
		}
		next := c.Step + 1
		if next > len(p.Steps) {
			return c.move(router.StagePromoted, 0, 1, now, "gate passed the last canary step", p)
		}
		return c.move(router.StageCanary, next, p.Steps[next-1]/100, now, "gate passed", p)
	}
	return nil
}

// move changes stage and returns the transition (evidence added by the caller).
func (c *Candidate) move(stage string, step int, share float64, now time.Time, reason string, p *config.Promotion) *Transition {
	from := c.label()
	c.Stage, c.Step, c.Share = stage, step, share
	c.StageAt, c.EpochAt, c.Failures, c.Baseline = now, now, 0, nil
	if stage == router.StageShadow {
		c.EnteredAt = now
	}
	return &Transition{Route: c.Route, Model: c.Model, Version: c.Version, From: from, To: c.label(),
		Share: share, Reason: reason, Actor: "controller", At: now}
}

// NewCandidate is a version's state when it first appears in the config.
func NewCandidate(route string, cand config.Candidate, now time.Time) *Candidate {
	return &Candidate{Route: route, Model: cand.Model, Version: cand.Version, Stage: router.StageShadow,
		EnteredAt: now, StageAt: now, EpochAt: now}
}
