package config

import "time"

// Retry governs retries of one target before falling back to the next.
type Retry struct {
	// MaxAttempts per target, including the first. Default 3.
	MaxAttempts int `yaml:"max_attempts"`
	// InitialBackoff before the first retry; doubled each time with full jitter. Default 250ms.
	InitialBackoff time.Duration `yaml:"initial_backoff"`
	// MaxBackoff caps one wait, also one taken from retry-after. Default 20s.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// Breaker is the per-target circuit breaker.
type Breaker struct {
	// Failures in a row that open the breaker. Default 5.
	Failures int `yaml:"failures"`
	// OpenFor is how long an open breaker skips the target before a half-open probe. Default 30s.
	OpenFor time.Duration `yaml:"open_for"`
	// HalfOpenProbes is how many probes may run at once while half-open. Default 1.
	HalfOpenProbes int `yaml:"half_open_probes"`
}

func (r *Retry) setDefaults() {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = 3
	}
	setDur(&r.InitialBackoff, 250*time.Millisecond)
	setDur(&r.MaxBackoff, 20*time.Second)
}

func (r *Retry) validate(ps *problems) {
	if r.MaxAttempts < 1 || r.MaxAttempts > 10 {
		ps.add("retry.max_attempts", "must be within 1..10, got %d", r.MaxAttempts)
	}
	if r.InitialBackoff < 0 || r.MaxBackoff < r.InitialBackoff {
		ps.add("retry", "need 0 <= initial_backoff <= max_backoff")
	}
}

func (b *Breaker) setDefaults() {
	if b.Failures == 0 {
		b.Failures = 5
	}
	setDur(&b.OpenFor, 30*time.Second)
	if b.HalfOpenProbes == 0 {
		b.HalfOpenProbes = 1
	}
}

func (b *Breaker) validate(ps *problems) {
	if b.Failures < 1 {
		ps.add("breaker.failures", "must be at least 1")
	}
	if b.OpenFor <= 0 {
		ps.add("breaker.open_for", "must be positive")
	}
	if b.HalfOpenProbes < 1 {
		ps.add("breaker.half_open_probes", "must be at least 1")
	}
}
