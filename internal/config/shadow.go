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
	// Alpha is the error level of the reported intervals: Wilson intervals at
	// 1-alpha and the anytime-valid confidence sequence at 1-alpha. Default 0.05.
	Alpha float64 `yaml:"alpha"`
	// DrainTimeout bounds how long shutdown waits for queued shadow calls;
	// calls still running then are cancelled and not scored. Default 10s.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	// MaxTasks caps the task keys tracked by stratified sampling; beyond it a
	// new task is sampled at the plain rate. Default 100000.
	MaxTasks int `yaml:"max_tasks"`
	// CaseInsensitive makes exact_match compare text case-insensitively.
	CaseInsensitive bool `yaml:"case_insensitive"`
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
	if s.Alpha == 0 {
		s.Alpha = 0.05
	}
	setDur(&s.DrainTimeout, 10*time.Second)
	if s.MaxTasks == 0 {
		s.MaxTasks = 100000
	}
}

func (s *Shadow) validate(ps *problems) {
	if s.QueueSize < 1 || s.Concurrency < 1 {
		ps.add("shadow", "queue_size and concurrency must be at least 1")
	}
	if s.Judge.SampleRate < 0 || s.Judge.SampleRate > 1 {
		ps.add("shadow.judge.sample_rate", "must be within 0..1")
	}
	if s.Judge.DailyBudgetUSD < 0 {
		ps.add("shadow.judge.daily_budget_usd", "must not be negative")
	}
	if s.Alpha <= 0 || s.Alpha >= 0.5 {
		ps.add("shadow.alpha", "must be within (0, 0.5), got %g", s.Alpha)
	}
	if s.Timeout < 0 || s.RollingWindow < 0 || s.DrainTimeout < 0 {
		ps.add("shadow", "timeout, rolling_window and drain_timeout must not be negative")
	}
	if s.MaxTasks < 1 {
		ps.add("shadow.max_tasks", "must be at least 1")
	}
}
