package promotion

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/router"
)

// Controller runs the gate: every Interval, on the replica holding the
// lease, it fetches each candidate's evidence, steps its state machine and
// writes the result (fenced by the lease token).
type Controller struct {
	M        *Manager
	Source   EvidenceSource
	Config   func() *config.Config
	Token    func() (int64, bool) // the lease; nil means always leader (single replica)
	Interval time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// Run ticks until ctx ends; a panic in one tick is logged and the loop continues.
func (c *Controller) Run(ctx context.Context) {
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.safeTick(ctx)
		}
	}
}

func (c *Controller) safeTick(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			c.Log.Error("promotion controller panic", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := c.Tick(ctx); err != nil {
		c.Log.Warn("promotion controller tick", "err", err)
	}
}

// Tick runs one round of gate checks if this replica leads.
func (c *Controller) Tick(ctx context.Context) error {
	token := int64(0)
	if c.Token != nil {
		tok, ok := c.Token()
		if !ok {
			return nil
		}
		token = tok
	}
	cfg := c.Config()
	_, err := c.M.Update(ctx, token, func(st *State) ([]*Transition, bool, error) {
		return c.round(ctx, cfg, st)
	})
	return err
}

// round adds new candidate versions and steps every configured candidate.
func (c *Controller) round(ctx context.Context, cfg *config.Config, st *State) (trs []*Transition, changed bool, err error) {
	now := c.Now()
	for ri := range cfg.Routes {
		r := &cfg.Routes[ri]
		for ci := range r.Candidates {
			cand := &r.Candidates[ci]
			cs := st.Candidates[Candidate{Route: r.Name, Model: cand.Model, Version: cand.Version}.Key()]
			if cs == nil {
				cs = NewCandidate(r.Name, *cand, now)
				st.Candidates[cs.Key()] = cs
				trs = append(trs, &Transition{Route: r.Name, Model: cand.Model, Version: cand.Version, From: "", To: router.StageShadow,
					Reason: "new candidate version", Actor: "controller", At: now})
				changed = true
			}
			if cand.Promotion.Disabled || c.Source == nil {
				continue
			}
			ch, tr, err := c.step(ctx, st, cs, &cand.Promotion, now)
			if err != nil {
				return nil, false, err
			}
			changed = changed || ch
			if tr != nil {
				trs = append(trs, tr)
			}
		}
	}
	return trs, changed, nil
}

func (c *Controller) step(ctx context.Context, st *State, cs *Candidate, p *config.Promotion, now time.Time) (bool, *Transition, error) {
	if cs.Stage == router.StagePaused || cs.Stage == router.StagePinned || cs.Stage == router.StageRolledBack {
		ch, tr, _ := Step(cs, p, &Evidence{}, &Evidence{}, now, false)
		return ch, tr, nil
	}
	cum, err := c.Source.Evidence(ctx, cs.Route, cs.Model, cs.Version, cs.EnteredAt)
	if err != nil {
		return false, nil, fmt.Errorf("evidence %s/%s@%s: %w", cs.Route, cs.Model, cs.Version, err)
	}
	win, err := c.window(ctx, cs, cum)
	if err != nil {
		return false, nil, err
	}
	epoch := cs.EpochAt
	ch, tr, _ := Step(cs, p, &cum, win, now, otherServing(c.Config(), st, cs))
	if !cs.EpochAt.Equal(epoch) {
		b := cum.clone()
		cs.Baseline, ch = &b, true
	}
	return ch, tr, nil
}

// window is the evidence of the current step or epoch: the cumulative
// evidence minus the baseline taken when it began, else a query from its start.
func (c *Controller) window(ctx context.Context, cs *Candidate, cum Evidence) (*Evidence, error) {
	switch {
	case cs.EpochAt.Equal(cs.EnteredAt):
		return &cum, nil
	case cs.Baseline != nil:
		w := cum.minus(cs.Baseline)
		return &w, nil
	}
	w, err := c.Source.Evidence(ctx, cs.Route, cs.Model, cs.Version, cs.EpochAt)
	if err != nil {
		return nil, fmt.Errorf("evidence %s/%s@%s: %w", cs.Route, cs.Model, cs.Version, err)
	}
	return &w, nil
}

// otherServing reports whether another configured candidate on cs's route
// takes traffic (the state of a candidate removed from the config does not).
func otherServing(cfg *config.Config, st *State, cs *Candidate) bool {
	for k, o := range st.Candidates {
		if k != cs.Key() && o.Route == cs.Route && o.serving() && configured(cfg, o) {
			return true
		}
	}
	return false
}

func configured(cfg *config.Config, c *Candidate) bool {
	for _, r := range cfg.Routes {
		if r.Name != c.Route {
			continue
		}
		for _, cand := range r.Candidates {
			if cand.Model == c.Model && cand.Version == c.Version {
				return true
			}
		}
	}
	return false
}
