package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Config configures a simulated LLM server.
type Config struct {
	// Seed makes every answer deterministic: same seed + model + item + user
	// → same answer, on every replica and every run.
	Seed uint64
	// Models are the simulated models it serves. Default: "sim-large"
	// (LargeProfile) and "sim-small" (SmallProfile).
	Models map[string]Profile
	// Workload defaults to LoadWorkload().
	Workload *Workload
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// LoRABase is the model whose profile an adapter registered through
	// POST /v1/load_lora_adapter starts from. Default "sim-small".
	LoRABase string
	// HangLimit bounds a simulated hang. Default 2m.
	HangLimit time.Duration
}

// Fault makes a simulated model fail on purpose.
type Fault struct {
	// Mode is "none", "error" (answer Status with an OpenAI error body) or
	// "hang" (never answer until the client gives up or HangLimit passes).
	Mode string `json:"mode"`
	// Rate is the share of requests affected, 0..1 (default 1 when Mode is set).
	Rate float64 `json:"rate"`
	// Status for "error". Default 500.
	Status int `json:"status"`
}

// Server is the simulated OpenAI-compatible LLM server. It is an
// http.Handler: use it with httptest.NewServer or http.ListenAndServe.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mu      sync.RWMutex
	models  map[string]Profile
	faults  map[string]Fault
	stats   *counters
	created int64
	mux     *http.ServeMux
}

// NewServer builds a simulator server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Workload == nil {
		w, err := LoadWorkload()
		if err != nil {
			return nil, err
		}
		cfg.Workload = w
	}
	if cfg.Models == nil {
		cfg.Models = map[string]Profile{"sim-large": LargeProfile(), "sim-small": SmallProfile()}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LoRABase == "" {
		cfg.LoRABase = "sim-small"
	}
	if cfg.HangLimit <= 0 {
		cfg.HangLimit = 2 * time.Minute
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "simulator"), models: map[string]Profile{},
		faults: map[string]Fault{}, stats: newCounters(), created: time.Now().Unix()}
	for name, p := range cfg.Models {
		s.models[name] = p.clone()
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	s.mux.HandleFunc("GET /v1/models", s.handleModels)
	s.mux.HandleFunc("GET /v1/models/{id}", s.handleModel)
	s.mux.HandleFunc("POST /v1/load_lora_adapter", s.handleLoadLoRA)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /sim/stats", s.handleStats)
	s.mux.HandleFunc("POST /sim/stats/reset", s.handleStatsReset)
	s.mux.HandleFunc("GET /sim/quality", s.handleQualityGet)
	s.mux.HandleFunc("POST /sim/quality", s.handleQualitySet)
	s.mux.HandleFunc("POST /sim/fault", s.handleFault)
	s.mux.HandleFunc("POST /sim/models", s.handleModelSet)
	s.mux.HandleFunc("GET /sim/tasks", s.handleTasks)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url",
			fmt.Sprintf("Unknown request URL: %s %s (simulator)", r.Method, r.URL.Path))
	})
}

// ServeHTTP serves the OpenAI API subset and the /sim control endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Workload is the workload the server recognises.
func (s *Server) Workload() *Workload { return s.cfg.Workload }

// ErrUnknownModel is returned for a model the simulator does not serve.
var ErrUnknownModel = errors.New("sim: unknown model")

// SetAgreement sets a model's agreement with the ground truth on one task
// ("*" for every task not listed). Lowering it injects a regression.
func (s *Server) SetAgreement(model, task string, p float64) error {
	if p < 0 || p > 1 {
		return fmt.Errorf("sim: agreement %g outside 0..1", p)
	}
	if task == "" {
		task = "*"
	}
	if task != "*" && s.cfg.Workload.Task(task) == nil {
		return fmt.Errorf("sim: unknown task %q (tasks: %v)", task, s.cfg.Workload.TaskNames())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prof, ok := s.models[model]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownModel, model)
	}
	prof = prof.clone()
	prof.Agreement[task] = p
	s.models[model] = prof
	s.log.Info("simulator: agreement changed", "model", model, "task", task, "agreement", p)
	return nil
}

// SetProfile adds or replaces a simulated model.
func (s *Server) SetProfile(model string, p Profile) {
	s.mu.Lock()
	s.models[model] = p.clone()
	s.mu.Unlock()
	s.log.Info("simulator: model set", "model", model)
}

// Profile returns a copy of a model's profile.
func (s *Server) Profile(model string) (Profile, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.models[model]
	return p.clone(), ok
}

// Models lists the simulated model names.
func (s *Server) Models() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.models))
	for n := range s.models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetFault makes a model fail ("error" or "hang") at a rate, or stop failing ("none").
func (s *Server) SetFault(model string, f Fault) error {
	switch f.Mode {
	case "", "none", "error", "hang":
	default:
		return fmt.Errorf("sim: fault mode %q: want none, error or hang", f.Mode)
	}
	if f.Rate == 0 {
		f.Rate = 1
	}
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.models[model]; !ok {
		return fmt.Errorf("%w %q", ErrUnknownModel, model)
	}
	s.faults[model] = f
	s.log.Info("simulator: fault set", "model", model, "mode", f.Mode, "rate", f.Rate)
	return nil
}

// Stats returns a copy of the ground-truth counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes the counters.
func (s *Server) ResetStats() { s.stats.reset() }

func (s *Server) lookupModel(name string) (Profile, Fault, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.models[name]
	return p, s.faults[name], ok
}
