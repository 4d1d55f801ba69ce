package config

import "time"

// Shadow configures the mirroring of live traffic to candidates.
type Shadow struct {
	// QueueSize per candidate; when full, samples are dropped and counted. Default 1024.
	QueueSize int `yaml:"queue_size"`
	// Concurrency per candidate. Default 4.
	Concurrency int `yaml:"concurrency"`
	// Timeout of one shadow call. Default 60s.
	Timeout time.Duration `yaml:"timeout"`
	// RollingWindow for the rolling statistics. Default 24h.
	RollingWindow time.Duration `yaml:"rolling_window"`
	// Judge is the optional llm_judge evaluator.
	Judge Judge `yaml:"judge"`
}

// Judge is an LLM that scores agreement with a rubric.
type Judge struct {
	// Model is a public model name from models.
	Model string `yaml:"model"`
	// SampleRate of pairs judged, 0..1. Default 0.1.
	SampleRate float64 `yaml:"sample_rate"`
	// DailyBudgetUSD caps judge spend per day. Default 1.
	DailyBudgetUSD float64 `yaml:"daily_budget_usd"`
	// Rubric is the judging instruction.
	Rubric string `yaml:"rubric"`
}

func (s *Shadow) setDefaults() {
	if s.QueueSize == 0 {
		s.QueueSize = 1024
	}
	if s.Concurrency == 0 {
		s.Concurrency = 4
	}
	setDur(&s.Timeout, 60*time.Second)
	setDur(&s.RollingWindow, 24*time.Hour)
	if s.Judge.SampleRate == 0 {
		s.Judge.SampleRate = 0.1
	}
	if s.Judge.DailyBudgetUSD == 0 {
		s.Judge.DailyBudgetUSD = 1
	}
}

func (s *Shadow) validate(ps *problems) {
	if s.QueueSize < 1 || s.Concurrency < 1 {
		ps.add("shadow", "queue_size and concurrency must be at least 1")
	}
	if s.Judge.SampleRate < 0 || s.Judge.SampleRate > 1 {
		ps.add("shadow.judge.sample_rate", "must be within 0..1")
	}
}
