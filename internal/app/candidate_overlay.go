package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/trainer"
)

// candidateOverlay holds the candidates the trainer produced at runtime.
// They are laid over every config (the file's, and each reload's), so a
// trained model becomes a model of the gateway and a candidate of its route
// — and enters shadow — without anyone editing the file.
type candidateOverlay struct {
	mu    sync.Mutex
	added []trainer.NewCandidate
}

func (o *candidateOverlay) add(nc trainer.NewCandidate) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.added {
		if c.Route == nc.Route && c.Version == nc.Version {
			return
		}
	}
	o.added = append(o.added, nc)
}

// apply returns a copy of cfg with every overlaid candidate added to its
// route (a route or version the file already has is left as the file says).
func (o *candidateOverlay) apply(cfg *config.Config) (*config.Config, error) {
	o.mu.Lock()
	added := append([]trainer.NewCandidate(nil), o.added...)
	o.mu.Unlock()
	if len(added) == 0 {
		return cfg, nil
	}
	out := copyForOverlay(cfg)
	for _, nc := range added {
		overlayCandidate(out, nc)
	}
	out.SetDefaults()
	if ps := out.Validate(); len(ps) > 0 {
		return nil, fmt.Errorf("trained candidates do not fit the config: %w", errors.Join(ps))
	}
	return out, nil
}

// copyForOverlay copies the parts of cfg the overlay changes.
func copyForOverlay(cfg *config.Config) *config.Config {
	out := *cfg
	out.Models = make(map[string]config.Model, len(cfg.Models)+1)
	for k, v := range cfg.Models {
		out.Models[k] = v
	}
	out.Routes = make([]config.Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		r.Candidates = append([]config.Candidate(nil), r.Candidates...)
		out.Routes[i] = r
	}
	return &out
}

// overlayCandidate adds nc to its route. The new candidate takes the sample
// rate and promotion policy of the route's first configured candidate, and
// the model the price of a priced model on the same provider (the route's
// candidates first), so its savings are counted like its predecessor's.
func overlayCandidate(cfg *config.Config, nc trainer.NewCandidate) {
	r := routeNamed(cfg, nc.Route)
	if r == nil || nc.PublicModel == "" || nc.Provider == "" {
		return
	}
	for _, c := range r.Candidates {
		if c.Model == nc.PublicModel && c.Version == nc.Version {
			return
		}
	}
	cand := config.Candidate{Model: nc.PublicModel, Version: nc.Version}
	if len(r.Candidates) > 0 {
		tmpl := r.Candidates[0]
		cand.SampleRate, cand.Promotion = tmpl.SampleRate, tmpl.Promotion
		cand.Promotion.Thresholds = copyThresholds(tmpl.Promotion.Thresholds)
	}
	r.Candidates = append(r.Candidates, cand)
	if _, ok := cfg.Models[nc.PublicModel]; !ok {
		m := config.Model{Provider: nc.Provider, Model: nc.UpstreamModel}
		m.Pricing, m.SelfHosted = priceTemplate(cfg, r, nc.Provider)
		cfg.Models[nc.PublicModel] = m
	}
}

func routeNamed(cfg *config.Config, name string) *config.Route {
	for i := range cfg.Routes {
		if cfg.Routes[i].Name == name {
			return &cfg.Routes[i]
		}
	}
	return nil
}

func copyThresholds(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// priceTemplate is the pricing of the route's first candidate on provider,
// else of any self-hosted model on it.
func priceTemplate(cfg *config.Config, r *config.Route, provider string) (*config.Pricing, *config.SelfHosted) {
	for _, c := range r.Candidates {
		if m, ok := cfg.Models[c.Model]; ok && m.Provider == provider && (m.Pricing != nil || m.SelfHosted != nil) {
			return m.Pricing, m.SelfHosted
		}
	}
	for _, name := range sortedModelNames(cfg) {
		if m := cfg.Models[name]; m.Provider == provider && m.SelfHosted != nil {
			return nil, m.SelfHosted
		}
	}
	return nil, nil
}

func sortedModelNames(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Models))
	for k := range cfg.Models {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// wireCandidateOverlay makes every candidate the trainer produces (now, or
// recorded before a restart) a model and a shadow candidate of its route.
func (s *services) wireCandidateOverlay(ctx context.Context) error {
	if s.overlay == nil {
		s.overlay = &candidateOverlay{}
	}
	s.onCandidate(func(ctx context.Context, nc trainer.NewCandidate) error {
		if nc.Provider == "" {
			s.log.Warn("trained candidate has no serving provider: not added to shadow", "route", nc.Route, "version", nc.Version)
			return nil
		}
		s.overlay.add(nc)
		return s.applyOverlay("new trained candidate " + nc.PublicModel + "@" + nc.Version)
	})
	return nil
}

// restoreTrainedCandidates re-adds the candidates recorded before a restart.
func (s *services) restoreTrainedCandidates(ctx context.Context) error {
	if s.trainer == nil || s.trainer.Registry == nil || s.overlay == nil {
		return nil
	}
	cs, err := s.trainer.Registry.Candidates(ctx, "")
	if err != nil {
		return err
	}
	for _, nc := range cs {
		if nc.Provider != "" {
			s.overlay.add(nc)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return s.applyOverlay("trained candidates restored")
}

// applyOverlay installs the running config with the overlay, through the
// same path a file reload takes.
func (s *services) applyOverlay(why string) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cfg, err := s.overlay.apply(s.cfg)
	if err != nil {
		return err
	}
	if err := s.install(cfg); err != nil {
		return err
	}
	s.log.Info("config updated", "trigger", why)
	return nil
}

// install swaps the router table and the gateway runtime to cfg and tells
// every component (what a reload does once the file is read).
func (s *services) install(cfg *config.Config) error {
	table, scorers, err := compileLearned(cfg) // router.Compile plus learned scorers
	if err == nil {
		if err = s.gateway.SetConfig(cfg); err != nil {
			closeScorers(scorers)
		}
	}
	if err != nil {
		return err
	}
	defer closeScorers(s.swapLearned(scorers)) // the old ones, once every table uses the new
	s.router.Swap(table)
	for _, f := range s.reloaders {
		if err := f(cfg); err != nil {
			s.log.Error("component reload failed", "error", err)
		}
	}
	s.cfg = cfg
	return nil
}
