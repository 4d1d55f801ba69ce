package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/redact"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/trainer"
)

// buildTrainer wires the trainer: its admin API always; with
// trainer.enabled, the trigger loop and an in-process worker too (more
// workers can run elsewhere with `fledgling trainer worker`).
func (s *services) buildTrainer(ctx context.Context) error {
	red, _ := s.redactor.(*redact.Redactor)
	t, err := openTrainer(ctx, s.cfg, s.db, s.log, red, s.runCandidateHooks)
	if err != nil {
		return err
	}
	if s.registry != nil {
		m := trainer.NewMetrics(s.registry)
		t.service.Metrics, t.service.Builder.Metrics, t.worker.Metrics = m, m, m
	}
	s.trainer = t.service
	s.onClose(func(context.Context) error { return t.close() })
	t.service.Register(s.admin)
	if !s.cfg.Trainer.Enabled {
		return nil
	}
	routes := trainerRoutes(s.cfg)
	s.background(func(ctx context.Context) { t.service.Loop(ctx, s.cfg.Trainer.TriggerInterval, routes) })
	s.background(func(ctx context.Context) { t.worker.Run(ctx) })
	return nil
}

func (s *services) runCandidateHooks(ctx context.Context, c trainer.NewCandidate) error {
	for _, h := range s.candidateHooks {
		if err := h(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// trainerRoutes lists the routes the trigger loop looks at.
func trainerRoutes(cfg *config.Config) func() []string {
	return func() []string {
		if len(cfg.Trainer.Routes) > 0 {
			return cfg.Trainer.Routes
		}
		out := make([]string, 0, len(cfg.Routes))
		for _, r := range cfg.Routes {
			out = append(out, r.Name)
		}
		return out
	}
}

// trainerParts is the trainer built from a config, shared by serve and the
// dataset, jobs and trainer worker commands.
type trainerParts struct {
	service  *trainer.Service
	worker   *trainer.Worker
	captures *capture.Store
	close    func() error
}

// openTrainer migrates the trainer's tables and builds its parts. hook runs
// after a candidate was recorded (nil: none).
func openTrainer(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, red *redact.Redactor,
	hook func(context.Context, trainer.NewCandidate) error) (*trainerParts, error) {
	if err := trainer.Migrate(ctx, db); err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	caps, err := capture.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	tc := cfg.Trainer
	if red == nil {
		red = trainerRedactor(cfg)
	}
	jobs := &trainer.Jobs{DB: db}
	builder := &trainer.Builder{DB: db, Source: caps, Redactor: red, WorkDir: tc.WorkDir, Options: tc.Dataset}
	registry := &trainer.CandidateRegistry{DB: db, Loader: loraLoader(cfg)}
	queue, closeQueue := trainerQueue(cfg, jobs, workerID())
	svc := &trainer.Service{Builder: builder, Jobs: jobs, Queue: queue, Registry: registry, Backend: tc.Backend,
		BaseModel: trainerBaseModel(tc), MinNewExamples: tc.MinNewExamples, Cooldown: tc.Cooldown, Log: log,
		RawCount: func(ctx context.Context, route string, from, to time.Time) (int64, error) {
			return caps.Count(ctx, capture.Filter{Route: route, From: from, To: to})
		}}
	w := &trainer.Worker{ID: workerID(), Jobs: jobs, Queue: queue, Backends: trainerBackends(cfg),
		Sink: candidateSink{registry: registry, hook: hook}, Naming: trainerNaming(cfg), WorkDir: tc.WorkDir,
		LeaseTTL: tc.LeaseTTL, Log: log}
	if w.Backends[trainer.BackendLearnedRouter], err = learnedRouterBackend(ctx, cfg, db, caps); err != nil {
		return nil, err
	}
	return &trainerParts{service: svc, worker: w, captures: caps, close: closeQueue}, nil
}

// trainerRedactor applies the redaction rules and masks every provider key.
func trainerRedactor(cfg *config.Config) *redact.Redactor {
	r := redact.New(cfg.Redaction)
	for _, p := range cfg.Providers {
		r.AddSecret(p.APIKey)
	}
	return r
}

func workerID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

func trainerBaseModel(tc config.Trainer) string {
	if tc.Backend == "openai" {
		return tc.OpenAI.BaseModel
	}
	return tc.Exec.BaseModel
}

// trainerQueue is a Redis stream when redis.addr is set, else the job table.
func trainerQueue(cfg *config.Config, jobs *trainer.Jobs, consumer string) (trainer.Queue, func() error) {
	if cfg.Redis.Addr == "" {
		return &trainer.SQLQueue{Jobs: jobs}, func() error { return nil }
	}
	rc := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
	q := &trainer.RedisQueue{Client: rc, Stream: cfg.Redis.Prefix + cfg.Trainer.Stream, Consumer: consumer,
		Jobs: jobs, MinIdle: cfg.Trainer.LeaseTTL}
	return q, rc.Close
}

// trainerBackends configures every backend the config describes, so one
// worker can run jobs of either kind.
func trainerBackends(cfg *config.Config) map[string]trainer.Backend {
	tc := cfg.Trainer
	out := map[string]trainer.Backend{}
	if len(tc.Exec.Command) > 0 {
		out["exec"] = &trainer.ExecBackend{Command: tc.Exec.Command, BaseModel: tc.Exec.BaseModel, Env: tc.Exec.Env}
	}
	if p, ok := cfg.Providers[tc.OpenAI.Provider]; ok {
		out["openai"] = &trainer.OpenAIBackend{BaseURL: p.BaseURL, APIKey: p.APIKey, Headers: p.Headers,
			BaseModel: tc.OpenAI.BaseModel, PollInterval: tc.OpenAI.PollInterval}
	}
	return out
}

func trainerNaming(cfg *config.Config) trainer.Naming {
	n := trainer.Naming{ServingProvider: cfg.Trainer.ServingProvider, RemoteProvider: cfg.Trainer.OpenAI.Provider}
	if p, ok := cfg.Providers[cfg.Trainer.ServingProvider]; ok && p.LoRA != nil {
		n.Template = p.LoRA.NameTemplate
	}
	return n
}

// loraLoader loads adapters into the serving provider when it is a vLLM
// server configured with lora.runtime_load.
func loraLoader(cfg *config.Config) *trainer.LoRALoader {
	p, ok := cfg.Providers[cfg.Trainer.ServingProvider]
	if !ok || p.LoRA == nil || !p.LoRA.RuntimeLoad {
		return nil
	}
	return &trainer.LoRALoader{BaseURL: p.BaseURL, APIKey: p.APIKey}
}

// candidateSink records a candidate, then runs the app's hooks (router and
// shadow pick it up there). The trainer itself never touches routing.
type candidateSink struct {
	registry *trainer.CandidateRegistry
	hook     func(context.Context, trainer.NewCandidate) error
}

func (c candidateSink) AddCandidate(ctx context.Context, nc trainer.NewCandidate) error {
	nc, err := c.registry.Register(ctx, nc)
	if err != nil {
		return err
	}
	if c.hook == nil {
		return nil
	}
	return c.hook(ctx, nc)
}
