package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/shadow"
)

// buildShadow builds the pair store, the tee the gateway mirrors completed
// calls into (s.tee), the admin view GET /admin/v1/routes/{route}/candidates,
// a loop refreshing the evidence gauges, a closer draining the queues
// (bounded by shadow.drain_timeout) and a reloader for providers and judge.
func (s *services) buildShadow(ctx context.Context) error {
	st, err := shadow.NewStore(ctx, s.db, s.cfg.Shadow.Alpha)
	if err != nil {
		return err
	}
	caller, err := newProviderCaller(s.cfg)
	if err != nil {
		return err
	}
	var cfg atomic.Pointer[config.Config]
	cfg.Store(s.cfg)
	deps := shadow.Deps{Caller: caller, Store: st, Metrics: shadow.NewMetrics(s.registry), Log: s.log.With("component", "shadow")}
	if s.pricer != nil {
		deps.Pricer = s.pricer
	}
	if r, ok := s.redactor.(shadow.Redactor); ok {
		deps.Redactor = r
	}
	deps.Judge = newJudge(s.cfg, caller, deps.Pricer)
	if j := s.cfg.Shadow.Judge.Model; j != "" && !modelResolves(s.cfg, j) {
		s.log.Warn("shadow.judge.model is not in models: llm_judge will not score", "model", j)
	}
	tee := shadow.NewTee(shadowOptions(s.cfg.Shadow), deps)
	s.tee = tee
	s.admin.Handle("GET /admin/v1/routes/{route}/candidates", shadow.AdminHandler(st,
		func() map[string][]shadow.Configured { return configuredCandidates(cfg.Load()) },
		func() time.Duration { return cfg.Load().Shadow.RollingWindow }))
	s.background(func(ctx context.Context) { refreshShadowGauges(ctx, st, deps.Metrics, cfg.Load) })
	s.onClose(func(ctx context.Context) error { return drainTee(ctx, tee, cfg.Load().Shadow.DrainTimeout, s) })
	s.onReload(func(c *config.Config) error {
		if err := caller.reload(c); err != nil {
			return err
		}
		cfg.Store(c)
		tee.SetJudge(newJudge(c, caller, deps.Pricer))
		return nil
	})
	return nil
}

func shadowOptions(c config.Shadow) shadow.Options {
	return shadow.Options{QueueSize: c.QueueSize, Concurrency: c.Concurrency, Timeout: c.Timeout, MaxTasks: c.MaxTasks, CaseFold: c.CaseInsensitive}
}

func newJudge(c *config.Config, caller shadow.Caller, pricer shadow.Pricer) *shadow.Judge {
	j := c.Shadow.Judge
	if j.Model == "" {
		return nil
	}
	return &shadow.Judge{Model: j.Model, Rubric: j.Rubric, Rate: j.SampleRate,
		BudgetMicros: int64(j.DailyBudgetUSD * 1e6), Caller: caller, Pricer: pricer}
}

func modelResolves(c *config.Config, name string) bool {
	_, ok := c.Models[name]
	_, star := c.Models["*"]
	return ok || star
}

func configuredCandidates(c *config.Config) map[string][]shadow.Configured {
	out := make(map[string][]shadow.Configured, len(c.Routes))
	for _, r := range c.Routes {
		list := []shadow.Configured{}
		for _, cand := range r.Candidates {
			list = append(list, shadow.Configured{Model: cand.Model, Version: cand.Version, SampleRate: cand.SampleRate})
		}
		out[r.Name] = list
	}
	return out
}

// drainTee waits for queued shadow calls, at most drain and at most what
// the shutdown has left; calls cut off are dropped, not scored as failures.
func drainTee(ctx context.Context, tee *shadow.Tee, drain time.Duration, s *services) error {
	dctx, cancel := context.WithTimeout(ctx, drain)
	defer cancel()
	if err := tee.Close(dctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			s.log.Warn("shadow queues not drained in time; unfinished shadow calls dropped", "drain_timeout", drain)
			return nil
		}
		return err
	}
	return nil
}

// refreshShadowGauges keeps the pass-rate and lower-bound gauges in step
// with the store (both windows) for every configured route.
func refreshShadowGauges(ctx context.Context, st *shadow.Store, m *shadow.Metrics, cfg func() *config.Config) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		c := cfg()
		for route, configured := range configuredCandidates(c) {
			v, err := st.RouteView(ctx, route, configured, c.Shadow.RollingWindow, time.Now())
			if err != nil {
				continue
			}
			for _, cv := range v.Candidates {
				m.Observe("all", cv.All)
				m.Observe("rolling", cv.Rolling)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
