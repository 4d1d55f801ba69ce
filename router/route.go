package router

import (
	"github.com/fledgling-ai/fledgling/internal/config"
)

// compiledRoute is one route with every decision precomputed: the base
// target lists (one per split share), the same lists with the serving
// candidate in front, and the shadow lists for either case.
type compiledRoute struct {
	cfg       *config.Route
	sticky    stickyKind
	splitSeed uint64
	cum       []float64  // cumulative split weights, normalised to 1
	base      [][]Target // per split share (one entry without a split)
	withCand  [][]Target // base with the serving candidate first
	shadows   []Shadow   // while the primary (or a split share) serves
	reverse   []Shadow   // while the candidate serves
	candSeed  uint64
	share     float64 // candidate share 0..1
	stage     string
	learned   *learnedPolicy
}

func compileRoute(cfg *config.Config, r *config.Route, o Options) (compiledRoute, error) {
	c := compiledRoute{cfg: r, sticky: parseSticky(r.Sticky), splitSeed: seed(r.Name + "/split")}
	c.compileBase()
	states := configured(r, o.State.Routes[r.Name])
	c.stage = routeStage(r, states)
	var serving *CandidateState
	for i := range states {
		if states[i].serving() && serving == nil {
			serving = &states[i]
		}
	}
	if err := c.compileLearned(cfg, o, states, &serving); err != nil {
		return c, err
	}
	c.compileShadows(states)
	if serving != nil {
		c.compileCandidate(*serving)
	}
	return c, nil
}

func (c *compiledRoute) compileBase() {
	r := c.cfg
	if len(r.Split) == 0 {
		c.base = [][]Target{capped(targets(r.Primary, r.Fallbacks, nil))}
		return
	}
	total := 0.0
	for _, s := range r.Split {
		total += s.Weight
	}
	acc := 0.0
	for _, s := range r.Split {
		acc += s.Weight / total
		c.cum = append(c.cum, acc)
		c.base = append(c.base, capped(targets(s.Model, s.Fallbacks, r.Fallbacks)))
	}
	c.cum[len(c.cum)-1] = 1
}

// targets is model, then its own fallbacks, then the route's, without repeats.
func targets(model string, own, route []string) []Target {
	ts := []Target{{Model: model}}
	seen := map[string]bool{model: true}
	for _, l := range [][]string{own, route} {
		for _, m := range l {
			if !seen[m] {
				seen[m] = true
				ts = append(ts, Target{Model: m})
			}
		}
	}
	return ts
}

func capped[T any](s []T) []T { return s[:len(s):len(s)] }

func (c *compiledRoute) compileShadows(states []CandidateState) {
	for _, cand := range c.cfg.Candidates {
		st, ok := findState(states, cand.Model, cand.Version)
		if ok && !st.mirrored() {
			continue
		}
		c.shadows = append(c.shadows, Shadow{Model: cand.Model, Version: cand.Version, Rate: cand.SampleRate})
	}
	c.shadows = capped(c.shadows)
}

func (c *compiledRoute) compileCandidate(s CandidateState) {
	c.share = s.Share
	c.candSeed = seed(c.cfg.Name + "/" + s.Model + "@" + s.Version)
	lead := Target{Model: s.Model, Version: s.Version, Candidate: true}
	for _, b := range c.base {
		ts := append([]Target{lead}, b...)
		c.withCand = append(c.withCand, capped(ts))
	}
	if s.ReverseShadowRate > 0 {
		c.reverse = capped([]Shadow{{Model: c.cfg.Primary, Rate: s.ReverseShadowRate, Reverse: true}})
	}
}

// compileLearned sets the learned policy; its candidate becomes the serving one.
func (c *compiledRoute) compileLearned(cfg *config.Config, o Options, states []CandidateState, serving **CandidateState) error {
	if c.cfg.Policy != "learned" {
		return nil
	}
	*serving = nil // the scorer, not the canary share, decides
	sc := o.Scorers[c.cfg.Name]
	if sc == nil {
		return nil // no scorer: behave as shadow
	}
	lm := cfg.Learned.Models[c.cfg.Name]
	cand, ok := pickLearnedCandidate(c.cfg, lm.Candidate)
	if !ok {
		return errCompile(c.cfg.Name, "learned policy names candidate %q, which is not on the route", lm.Candidate)
	}
	if st, ok := findState(states, cand.Model, cand.Version); ok && st.Stage == StageRolledBack {
		return nil
	}
	c.learned = &learnedPolicy{scorer: sc, threshold: float32(lm.Threshold), candidate: cand.Model}
	p := cand.Promotion.ReverseShadowRate
	*serving = &CandidateState{Model: cand.Model, Version: cand.Version, Stage: "learned", Share: 1, ReverseShadowRate: p}
	c.stage = "learned"
	return nil
}

func pickLearnedCandidate(r *config.Route, model string) (config.Candidate, bool) {
	for _, c := range r.Candidates {
		if model == "" || c.Model == model {
			return c, true
		}
	}
	return config.Candidate{}, false
}

func findState(states []CandidateState, model, version string) (CandidateState, bool) {
	for _, s := range states {
		if s.Model == model && s.Version == version {
			return s, true
		}
	}
	return CandidateState{}, false
}

// routeStage is the route's Decision.Stage: the serving candidate's stage,
// else "shadow" while any candidate is mirrored, else the last state's stage.
func routeStage(r *config.Route, states []CandidateState) string {
	for _, s := range states {
		if s.serving() || s.Stage == StagePaused || s.Stage == StagePinned {
			return s.label()
		}
	}
	last := ""
	for _, cand := range r.Candidates {
		st, ok := findState(states, cand.Model, cand.Version)
		if !ok || st.mirrored() {
			return StageShadow
		}
		last = st.label()
	}
	return last
}

func (r *compiledRoute) matches(req *Request) bool {
	m := &r.cfg.Match
	if len(m.Models) > 0 && !contains(m.Models, req.Model) && !contains(m.Models, "*") {
		return false
	}
	for k, v := range m.Headers {
		if req.Header == nil || req.Header(k) != v {
			return false
		}
	}
	if len(m.Keys) > 0 && !contains(m.Keys, req.KeyID) {
		return false
	}
	for k, v := range m.Metadata {
		if req.Metadata[k] != v {
			return false
		}
	}
	return len(m.Models)+len(m.Headers)+len(m.Keys)+len(m.Metadata) > 0
}

func (r *compiledRoute) decide(req *Request) Decision {
	cfg := r.cfg
	d := Decision{Route: cfg.Name, Primary: cfg.Primary, Stage: r.stage, Evaluators: cfg.Evaluators,
		SamplingMode: cfg.Sampling.Mode, TaskKeyHeader: cfg.Sampling.TaskKeyHeader, MinPerTask: cfg.Sampling.MinPerTask}
	key := ""
	if len(r.base) > 1 || r.share > 0 {
		key = r.sticky.key(req)
	}
	share := 0
	if len(r.base) > 1 {
		u := unit(r.splitSeed, key)
		for share < len(r.cum)-1 && u >= r.cum[share] {
			share++
		}
	}
	if r.candidateServes(req, key) {
		d.Targets, d.Shadows = r.withCand[share], r.reverse
		return d
	}
	d.Targets, d.Shadows = r.base[share], r.shadows
	return d
}

func (r *compiledRoute) candidateServes(req *Request, key string) bool {
	switch {
	case r.withCand == nil:
		return false
	case r.learned != nil:
		return r.learned.wantsCandidate(req)
	case r.share >= 1:
		return true
	}
	return unit(r.candSeed, key) < r.share
}

// configured drops states of candidates no longer in the route's config.
func configured(r *config.Route, states []CandidateState) []CandidateState {
	out := make([]CandidateState, 0, len(states))
	for _, s := range states {
		for _, c := range r.Candidates {
			if c.Model == s.Model && c.Version == s.Version {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
