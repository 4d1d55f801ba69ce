package router

import (
	"github.com/fledgling-ai/fledgling/internal/config"
)

// Table is the compiled, immutable routing configuration plus the promotion
// state it was compiled with.
type Table struct {
	routes []compiledRoute
	models map[string]config.Model
}

type compiledRoute struct {
	cfg config.Route
}

// Compile builds a Table from a validated config.
func Compile(cfg *config.Config) (*Table, error) {
	t := &Table{models: cfg.Models}
	for _, r := range cfg.Routes {
		t.routes = append(t.routes, compiledRoute{cfg: r})
	}
	return t, nil
}

// Decide picks the route for req. It allocates only the decision's slices.
func (t *Table) Decide(req *Request) (Decision, error) {
	for i := range t.routes {
		r := &t.routes[i]
		if r.matches(req) {
			return r.decide(req), nil
		}
	}
	if _, ok := t.models[req.Model]; ok {
		return Decision{Primary: req.Model, Targets: []Target{{Model: req.Model}}}, nil
	}
	if _, ok := t.models["*"]; ok && req.Model != "" {
		return Decision{Primary: req.Model, Targets: []Target{{Model: req.Model}}}, nil
	}
	return Decision{}, ErrUnknownModel
}

func (r *compiledRoute) matches(req *Request) bool {
	m := r.cfg.Match
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
	d := Decision{Route: r.cfg.Name, Primary: r.cfg.Primary, Stage: "shadow", Evaluators: r.cfg.Evaluators,
		SamplingMode: r.cfg.Sampling.Mode, TaskKeyHeader: r.cfg.Sampling.TaskKeyHeader, MinPerTask: r.cfg.Sampling.MinPerTask}
	d.Targets = append(d.Targets, Target{Model: r.cfg.Primary})
	for _, fb := range r.cfg.Fallbacks {
		d.Targets = append(d.Targets, Target{Model: fb})
	}
	for _, c := range r.cfg.Candidates {
		d.Shadows = append(d.Shadows, Shadow{Model: c.Model, Version: c.Version, Rate: c.SampleRate})
	}
	return d
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
