package config

import "fmt"

// Route decides where requests for some model names go. Routes are matched
// in order; the first match wins. A request that matches no route is sent
// to its model's entry in models (or "*") with no fallbacks.
type Route struct {
	// Name identifies the route in captures, metrics, the dashboard and the admin API.
	Name string `yaml:"name"`
	// Match selects requests. An empty match never matches.
	Match RouteMatch `yaml:"match"`
	// Primary is the public model name that serves the route.
	Primary string `yaml:"primary"`
	// Fallbacks are tried in order when the primary fails retryably.
	Fallbacks []string `yaml:"fallbacks"`
	// Split, when set, serves the route by weight instead of Primary alone
	// (Primary stays the reference model for costs and shadow evaluation).
	Split []WeightedTarget `yaml:"split"`
	// Sticky chooses the key whose hash assigns a request to a split share or
	// canary share: "user", "session", "request_id" or "header:NAME". Default "user".
	Sticky string `yaml:"sticky"`
	// Candidates are small models evaluated in shadow and promoted by the gate.
	Candidates []Candidate `yaml:"candidates"`
	// Evaluators score each shadow pair: json_valid, json_schema, exact_match,
	// json_fields, tool_call, llm_judge. Default: chosen from the request
	// (tool_call when tools are sent, json_valid+json_schema for JSON formats,
	// exact_match otherwise).
	Evaluators []string `yaml:"evaluators"`
	// Sampling chooses which requests are shadowed.
	Sampling Sampling `yaml:"sampling"`
	// Policy, when set to "learned", routes per request with a trained model
	// (see learned_routing).
	Policy string `yaml:"policy"`
}

// RouteMatch is ANDed across fields; within a list, any value matches.
type RouteMatch struct {
	// Models are requested model names; "*" matches any.
	Models []string `yaml:"models"`
	// Headers must all be present with these values (e.g. x-fledgling-route: support).
	Headers map[string]string `yaml:"headers"`
	// Keys are virtual key names.
	Keys []string `yaml:"keys"`
	// Metadata must all be present in the request's "metadata" object.
	Metadata map[string]string `yaml:"metadata"`
}

// WeightedTarget is one share of a split. A target may itself name fallbacks.
type WeightedTarget struct {
	Model     string   `yaml:"model"`
	Weight    float64  `yaml:"weight"`
	Fallbacks []string `yaml:"fallbacks"`
}

// Candidate is a small model under evaluation on a route.
type Candidate struct {
	// Model is a public model name from models.
	Model string `yaml:"model"`
	// Version distinguishes retrained candidates; promotion state is kept per
	// (route, model, version). Default "v1".
	Version string `yaml:"version"`
	// SampleRate is the share of the route's requests replayed to it, 0..1. Default 0.1.
	SampleRate float64 `yaml:"sample_rate"`
	// Promotion is the gate that moves traffic to the candidate.
	Promotion Promotion `yaml:"promotion"`
}

// Sampling chooses shadowed requests.
type Sampling struct {
	// Mode is "uniform" or "stratified" (by task key). Default "uniform".
	Mode string `yaml:"mode"`
	// TaskKeyHeader names a header carrying the task key; without it the task
	// key is a hash of system prompt + tool names + response-format schema.
	TaskKeyHeader string `yaml:"task_key_header"`
	// MinPerTask, with stratified sampling, is how many samples each task key
	// gets before the sample rate applies to it. Default 20.
	MinPerTask int `yaml:"min_per_task"`
}

func (r *Route) setDefaults() {
	if r.Sticky == "" {
		r.Sticky = "user"
	}
	if r.Sampling.Mode == "" {
		r.Sampling.Mode = "uniform"
	}
	if r.Sampling.MinPerTask == 0 {
		r.Sampling.MinPerTask = 20
	}
	for i := range r.Candidates {
		c := &r.Candidates[i]
		if c.Version == "" {
			c.Version = "v1"
		}
		if c.SampleRate == 0 {
			c.SampleRate = 0.1
		}
		c.Promotion.setDefaults()
	}
}

// modelKnown reports whether a public name resolves through models.
func modelKnown(models map[string]Model, name string) bool {
	if _, ok := models[name]; ok {
		return true
	}
	_, star := models["*"]
	return star
}

func validateRoutes(ps *problems, routes []Route, models map[string]Model) {
	names := map[string]bool{}
	for i, r := range routes {
		path := fmt.Sprintf("routes[%d]", i)
		if r.Name == "" {
			ps.add(path+".name", "is required")
		} else if names[r.Name] {
			ps.add(path+".name", "duplicate route name %q", r.Name)
		}
		names[r.Name] = true
		if len(r.Match.Models) == 0 && len(r.Match.Headers) == 0 && len(r.Match.Keys) == 0 && len(r.Match.Metadata) == 0 {
			ps.add(path+".match", "needs at least one of models, headers, keys, metadata")
		}
		if r.Primary == "" {
			ps.add(path+".primary", "is required")
		} else if !modelKnown(models, r.Primary) {
			ps.add(path+".primary", "unknown model %q", r.Primary)
		}
		for j, fb := range r.Fallbacks {
			if !modelKnown(models, fb) {
				ps.add(fmt.Sprintf("%s.fallbacks[%d]", path, j), "unknown model %q", fb)
			}
		}
		r.validateSplit(ps, path, models)
		r.validateSticky(ps, path)
		r.validateCandidates(ps, path, models)
		r.validateShadow(ps, path)
	}
}

func (r *Route) validateSplit(ps *problems, path string, models map[string]Model) {
	for j, t := range r.Split {
		p := fmt.Sprintf("%s.split[%d]", path, j)
		if !modelKnown(models, t.Model) {
			ps.add(p+".model", "unknown model %q", t.Model)
		}
		if t.Weight <= 0 {
			ps.add(p+".weight", "must be > 0")
		}
		for k, fb := range t.Fallbacks {
			if !modelKnown(models, fb) {
				ps.add(fmt.Sprintf("%s.fallbacks[%d]", p, k), "unknown model %q", fb)
			}
		}
	}
}

func (r *Route) validateSticky(ps *problems, path string) {
	switch {
	case r.Sticky == "user", r.Sticky == "session", r.Sticky == "request_id":
	case len(r.Sticky) > len("header:") && r.Sticky[:len("header:")] == "header:":
	default:
		ps.add(path+".sticky", "must be user, session, request_id or header:NAME, got %q", r.Sticky)
	}
}

func (r *Route) validateCandidates(ps *problems, path string, models map[string]Model) {
	seen := map[string]bool{}
	for j, c := range r.Candidates {
		p := fmt.Sprintf("%s.candidates[%d]", path, j)
		if !modelKnown(models, c.Model) {
			ps.add(p+".model", "unknown model %q", c.Model)
		}
		if c.Model == r.Primary {
			ps.add(p+".model", "a candidate cannot be the route's primary")
		}
		if seen[c.Model+"@"+c.Version] {
			ps.add(p, "duplicate candidate %s version %s", c.Model, c.Version)
		}
		seen[c.Model+"@"+c.Version] = true
		if c.SampleRate < 0 || c.SampleRate > 1 {
			ps.add(p+".sample_rate", "must be within 0..1, got %g", c.SampleRate)
		}
		c.Promotion.validate(ps, p+".promotion")
		r.validateGateEvaluators(ps, p, &c.Promotion)
	}
	if r.Policy == "learned" && len(r.Candidates) == 0 {
		ps.add(path+".policy", "\"learned\" routes to a candidate, but the route has none")
	}
}

// validateGateEvaluators: with an explicit evaluator list, a threshold on an
// evaluator not in it would never see evidence and the gate could never pass.
func (r *Route) validateGateEvaluators(ps *problems, path string, p *Promotion) {
	if len(r.Evaluators) == 0 {
		return
	}
	for _, name := range sortedKeys(p.Thresholds) {
		if KnownEvaluators[name] && !contains(r.Evaluators, name) {
			ps.add(path+".promotion.thresholds."+name, "evaluator %q is not in the route's evaluators %v, so the gate would never see evidence for it", name, r.Evaluators)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// KnownEvaluators are the evaluator names a route may list.
var KnownEvaluators = map[string]bool{
	"json_valid": true, "json_schema": true, "exact_match": true,
	"json_fields": true, "tool_call": true, "llm_judge": true,
}

func (r *Route) validateShadow(ps *problems, path string) {
	for j, e := range r.Evaluators {
		if !KnownEvaluators[e] {
			ps.add(fmt.Sprintf("%s.evaluators[%d]", path, j), "unknown evaluator %q", e)
		}
	}
	if r.Sampling.Mode != "uniform" && r.Sampling.Mode != "stratified" {
		ps.add(path+".sampling.mode", "must be uniform or stratified, got %q", r.Sampling.Mode)
	}
	if r.Policy != "" && r.Policy != "learned" {
		ps.add(path+".policy", "must be empty or \"learned\", got %q", r.Policy)
	}
}
