package config

import "time"

// Promotion is a candidate's gate: when its evidence is good enough, traffic
// moves to it in canary steps; when it regresses, it is rolled back.
// Owned by the promotion package; see its doc for the semantics.
type Promotion struct {
	// Enabled turns the gate on. Default true when the block is present... the
	// gate still needs thresholds to pass.
	Disabled bool `yaml:"disabled"`
	// Thresholds maps evaluator name to the minimum pass rate (e.g. tool_call: 0.95).
	Thresholds map[string]float64 `yaml:"thresholds"`
	// HardGates are evaluators whose threshold must hold with no demotion margin.
	HardGates []string `yaml:"hard_gates"`
	// Confidence of the anytime-valid bounds, e.g. 0.95. Default 0.95.
	Confidence float64 `yaml:"confidence"`
	// MinSamples before any gate can pass. Default 200.
	MinSamples int `yaml:"min_samples"`
	// MinDuration before any gate can pass. Default 10m.
	MinDuration time.Duration `yaml:"min_duration"`
	// MaxErrorRateIncrease: candidate error rate at most this above the primary's. Default 0.02.
	MaxErrorRateIncrease float64 `yaml:"max_error_rate_increase"`
	// MaxP95LatencyRatio: candidate p95 latency at most this times the primary's. Default 1.5.
	MaxP95LatencyRatio float64 `yaml:"max_p95_latency_ratio"`
	// MinNetSavingsUSD is the projected net savings floor per day. Default 0.
	MinNetSavingsUSD float64 `yaml:"min_net_savings_usd"`
	// Steps are the canary traffic percentages. Default [1, 5, 25, 50, 100].
	Steps []float64 `yaml:"steps"`
	// StepSamples is the paired samples required at each step. Default 100.
	StepSamples int `yaml:"step_samples"`
	// StepDuration is the time required at each step. Default 5m.
	StepDuration time.Duration `yaml:"step_duration"`
	// ReverseShadowRate is the share of candidate-served requests also sent to
	// the primary for comparison after promotion. Default 0.05.
	ReverseShadowRate float64 `yaml:"reverse_shadow_rate"`
	// DemotionMargin is the hysteresis: once promoted, a threshold fails only
	// when the upper bound falls below threshold - margin. Default 0.02.
	DemotionMargin float64 `yaml:"demotion_margin"`
	// FailuresBeforeRollback is how many consecutive failed checks roll back. Default 3.
	FailuresBeforeRollback int `yaml:"failures_before_rollback"`
	// Cooldown after a rollback before the same version re-enters shadow. Default 1h.
	Cooldown time.Duration `yaml:"cooldown"`
}

func (p *Promotion) setDefaults() {
	if p.Confidence == 0 {
		p.Confidence = 0.95
	}
	if p.MinSamples == 0 {
		p.MinSamples = 200
	}
	setDur(&p.MinDuration, 10*time.Minute)
	if p.MaxErrorRateIncrease == 0 {
		p.MaxErrorRateIncrease = 0.02
	}
	if p.MaxP95LatencyRatio == 0 {
		p.MaxP95LatencyRatio = 1.5
	}
	if len(p.Steps) == 0 {
		p.Steps = []float64{1, 5, 25, 50, 100}
	}
	if p.StepSamples == 0 {
		p.StepSamples = 100
	}
	setDur(&p.StepDuration, 5*time.Minute)
	if p.ReverseShadowRate == 0 {
		p.ReverseShadowRate = 0.05
	}
	if p.DemotionMargin == 0 {
		p.DemotionMargin = 0.02
	}
	if p.FailuresBeforeRollback == 0 {
		p.FailuresBeforeRollback = 3
	}
	setDur(&p.Cooldown, time.Hour)
}

func (p *Promotion) validate(ps *problems, path string) {
	if p.Confidence <= 0.5 || p.Confidence >= 1 {
		ps.add(path+".confidence", "must be within (0.5, 1), got %g", p.Confidence)
	}
	for _, name := range sortedKeys(p.Thresholds) {
		if !KnownEvaluators[name] {
			ps.add(path+".thresholds."+name, "unknown evaluator")
		}
		if v := p.Thresholds[name]; v <= 0 || v > 1 {
			ps.add(path+".thresholds."+name, "must be within (0, 1], got %g", v)
		}
	}
	for i, h := range p.HardGates {
		if _, ok := p.Thresholds[h]; !ok {
			ps.add(path+".hard_gates", "entry %d (%q) has no threshold", i, h)
		}
	}
	last := 0.0
	for _, s := range p.Steps {
		if s <= last || s > 100 {
			ps.add(path+".steps", "must be increasing percentages within (0, 100], got %v", p.Steps)
			break
		}
		last = s
	}
	if p.ReverseShadowRate < 0 || p.ReverseShadowRate > 1 {
		ps.add(path+".reverse_shadow_rate", "must be within 0..1")
	}
	if p.MaxP95LatencyRatio < 1 {
		ps.add(path+".max_p95_latency_ratio", "must be at least 1")
	}
	p.validateCounts(ps, path)
	p.validateMargins(ps, path)
}

// validateCounts explains sample, duration and failure settings.
func (p *Promotion) validateCounts(ps *problems, path string) {
	if p.MinSamples < 1 {
		ps.add(path+".min_samples", "must be at least 1 (the gate never passes on no evidence), got %d", p.MinSamples)
	}
	if p.StepSamples < 1 {
		ps.add(path+".step_samples", "must be at least 1 per canary step, got %d", p.StepSamples)
	}
	if p.MinDuration < 0 || p.StepDuration < 0 || p.Cooldown < 0 {
		ps.add(path, "min_duration, step_duration and cooldown must not be negative")
	}
	if p.FailuresBeforeRollback < 1 {
		ps.add(path+".failures_before_rollback", "must be at least 1, got %d", p.FailuresBeforeRollback)
	}
	if p.MinNetSavingsUSD < 0 {
		ps.add(path+".min_net_savings_usd", "must not be negative (it is a floor on projected savings per day), got %g", p.MinNetSavingsUSD)
	}
	seen := map[string]bool{}
	for _, h := range p.HardGates {
		if seen[h] {
			ps.add(path+".hard_gates", "lists %q twice", h)
		}
		seen[h] = true
	}
}

// validateMargins explains the hysteresis and guardrail ranges.
func (p *Promotion) validateMargins(ps *problems, path string) {
	if p.MaxErrorRateIncrease < 0 || p.MaxErrorRateIncrease > 1 {
		ps.add(path+".max_error_rate_increase", "is an absolute error-rate difference within 0..1 (0.02 = 2 points), got %g", p.MaxErrorRateIncrease)
	}
	for _, name := range sortedKeys(p.Thresholds) {
		if th := p.Thresholds[name]; p.DemotionMargin < 0 || p.DemotionMargin >= th {
			ps.add(path+".demotion_margin", "must be within [0, %g) (below the %s threshold): once serving, %s fails only under threshold - margin; got %g", th, name, name, p.DemotionMargin)
			break
		}
	}
}
