package promotion

import (
	"sort"
	"time"

	"github.com/fledgling-ai/fledgling/router"
)

// Candidate is the promotion state of one (route, model, version).
type Candidate struct {
	Route   string `json:"route"`
	Model   string `json:"model"`
	Version string `json:"version"`
	// Stage is one of the router.Stage* names.
	Stage string `json:"stage"`
	// Step is the 1-based canary step (0 outside canary).
	Step int `json:"step,omitempty"`
	// Share is the fraction 0..1 of requests the candidate serves.
	Share float64 `json:"share"`
	// Failures counts consecutive failing gate checks.
	Failures int `json:"failures"`
	// EnteredAt is when this version (re-)entered shadow: cumulative evidence starts here.
	EnteredAt time.Time `json:"entered_at"`
	// StageAt is when the current stage or canary step began.
	StageAt time.Time `json:"stage_at"`
	// EpochAt starts the current evidence window (the step, or an epoch once promoted).
	EpochAt      time.Time `json:"epoch_at"`
	RolledBackAt time.Time `json:"rolled_back_at,omitzero"`
	// Baseline is the cumulative evidence when the window began; the window
	// is the cumulative evidence minus it (exact, whatever the store's time
	// granularity). Nil when the window began without one (operator action).
	Baseline *Evidence `json:"baseline,omitempty"`
	// Held is the stage and step an operator pause or pin interrupted.
	HeldStage string  `json:"held_stage,omitempty"`
	HeldStep  int     `json:"held_step,omitempty"`
	HeldShare float64 `json:"held_share,omitempty"`
}

// Key identifies a candidate version on a route.
func (c Candidate) Key() string { return c.Route + "\x00" + c.Model + "@" + c.Version }

// State is every candidate's state; Version increases with each change.
type State struct {
	Version    int64                 `json:"version"`
	Candidates map[string]*Candidate `json:"candidates"`
}

// Clone deep-copies s so a mutation never races readers of the original.
func (s State) Clone() State {
	out := State{Version: s.Version, Candidates: make(map[string]*Candidate, len(s.Candidates))}
	for k, c := range s.Candidates {
		cp := *c
		if c.Baseline != nil {
			b := c.Baseline.clone()
			cp.Baseline = &b
		}
		out.Candidates[k] = &cp
	}
	return out
}

// Route returns a route's candidates in a stable order.
func (s State) Route(route string) []*Candidate {
	var out []*Candidate
	for _, c := range s.Candidates {
		if c.Route == route {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// Router converts the state into what the router compiles, with the
// reverse-shadow rate of each candidate's policy.
func (s State) Router(reverseRate func(c *Candidate) float64) router.State {
	rs := router.State{Version: s.Version, Routes: map[string][]router.CandidateState{}}
	keys := make([]string, 0, len(s.Candidates))
	for k := range s.Candidates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := s.Candidates[k]
		rs.Routes[c.Route] = append(rs.Routes[c.Route], router.CandidateState{
			Model: c.Model, Version: c.Version, Stage: c.Stage, Step: c.Step, Share: c.Share,
			ReverseShadowRate: reverseRate(c),
		})
	}
	return rs
}

// serving reports whether the candidate takes traffic.
func (c *Candidate) serving() bool {
	return c.Share > 0 && c.Stage != router.StageRolledBack && c.Stage != router.StageShadow
}

// label is the stage as shown to people ("canary-2").
func (c *Candidate) label() string {
	if c.Stage == router.StageCanary {
		return router.StageCanary + "-" + itoa(c.Step)
	}
	return c.Stage
}

func itoa(n int) string {
	const d = "0123456789"
	if n < 10 {
		return d[n : n+1]
	}
	return itoa(n/10) + d[n%10:n%10+1]
}
