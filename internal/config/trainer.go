package config

import (
	"fmt"
	"time"
)

// Trainer configures datasets, training jobs and their backends.
type Trainer struct {
	// Enabled runs the trigger loop and an in-process worker. Default false.
	Enabled bool `yaml:"enabled"`
	// Backend is "exec" or "openai". Default "exec".
	Backend string `yaml:"backend"`
	// Exec runs a local command per job.
	Exec ExecBackend `yaml:"exec"`
	// OpenAI uses the OpenAI fine-tuning API.
	OpenAI OpenAIBackend `yaml:"openai"`
	// WorkDir holds datasets, checkpoints and artifacts. Default "./data/trainer".
	WorkDir string `yaml:"work_dir"`
	// MinNewExamples since the last dataset that triggers a job. Default 500.
	MinNewExamples int `yaml:"min_new_examples"`
	// Cooldown between automatic jobs on one route. Default 6h.
	Cooldown time.Duration `yaml:"cooldown"`
	// LeaseTTL of a worker's job lease; heartbeats renew it. Default 30s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// Serving says where a finished adapter is served: a provider name whose
	// models become candidates.
	ServingProvider string `yaml:"serving_provider"`
	// Dataset chooses and splits the examples of each dataset version.
	Dataset TrainerDataset `yaml:"dataset"`
	// Stream is the Redis stream jobs are dispatched on when redis.addr is
	// set (prefixed by redis.prefix). Default "trainer:jobs".
	Stream string `yaml:"stream"`
	// Routes limits automatic triggers to these routes. Default: every route.
	Routes []string `yaml:"routes"`
	// TriggerInterval is how often the trigger loop looks at each route. Default 1m.
	TriggerInterval time.Duration `yaml:"trigger_interval"`
}

// TrainerDataset selects, de-duplicates and splits captured calls.
type TrainerDataset struct {
	// Require keeps only answers passing these local checks: "json_valid"
	// (the answer content parses as JSON), "tool_calls" (the answer calls a
	// tool), "tool_args_json" (every tool call's arguments parse). Default none.
	Require []string `yaml:"require"`
	// IncludeCandidate keeps answers served by a candidate model. Default false.
	IncludeCandidate bool `yaml:"include_candidate"`
	// NearDedup drops near-duplicates (same normalised text). Default true.
	NearDedup *bool `yaml:"near_dedup"`
	// ValidationFraction and TestFraction of each task key. Defaults 0.1 and 0.1.
	ValidationFraction float64 `yaml:"validation_fraction"`
	TestFraction       float64 `yaml:"test_fraction"`
	// Seed makes the split reproducible. Default 1.
	Seed int64 `yaml:"seed"`
	// Window is how far back a dataset reads captures. Default 0: everything retained.
	Window time.Duration `yaml:"window"`
}

// ExecBackend runs a command template. Placeholders: {dataset}, {validation},
// {output_dir}, {resume_from}, {base_model}, {job_id}.
type ExecBackend struct {
	Command   []string          `yaml:"command"`
	BaseModel string            `yaml:"base_model"`
	Env       map[string]string `yaml:"env"`
}

// OpenAIBackend uses the fine-tuning API of a provider.
type OpenAIBackend struct {
	// Provider names an entry of providers (its base URL and key are used).
	Provider  string `yaml:"provider"`
	BaseModel string `yaml:"base_model"`
	// PollInterval of job status. Default 30s.
	PollInterval time.Duration `yaml:"poll_interval"`
}

func (t *Trainer) setDefaults() {
	if t.Backend == "" {
		t.Backend = "exec"
	}
	if t.WorkDir == "" {
		t.WorkDir = "./data/trainer"
	}
	if t.MinNewExamples == 0 {
		t.MinNewExamples = 500
	}
	setDur(&t.Cooldown, 6*time.Hour)
	setDur(&t.LeaseTTL, 30*time.Second)
	setDur(&t.OpenAI.PollInterval, 30*time.Second)
	setDur(&t.TriggerInterval, time.Minute)
	if t.Stream == "" {
		t.Stream = "trainer:jobs"
	}
	d := &t.Dataset
	if d.NearDedup == nil {
		v := true
		d.NearDedup = &v
	}
	if d.ValidationFraction == 0 {
		d.ValidationFraction = 0.1
	}
	if d.TestFraction == 0 {
		d.TestFraction = 0.1
	}
	if d.Seed == 0 {
		d.Seed = 1
	}
}

func (t *Trainer) validate(ps *problems, c *Config) {
	if t.Backend != "exec" && t.Backend != "openai" {
		ps.add("trainer.backend", "must be exec or openai, got %q", t.Backend)
	}
	d := t.Dataset
	if d.ValidationFraction < 0 || d.TestFraction < 0 || d.ValidationFraction+d.TestFraction >= 1 {
		ps.add("trainer.dataset", "validation_fraction and test_fraction must be >= 0 and sum to less than 1")
	}
	for i, r := range d.Require {
		if r != "json_valid" && r != "tool_calls" && r != "tool_args_json" {
			ps.add("trainer.dataset.require", "entry %d: unknown check %q (json_valid, tool_calls, tool_args_json)", i, r)
		}
	}
	if t.LeaseTTL < time.Second {
		ps.add("trainer.lease_ttl", "must be at least 1s")
	}
	if !t.Enabled {
		return
	}
	if t.Backend == "exec" && len(t.Exec.Command) == 0 {
		ps.add("trainer.exec.command", "is required for the exec backend")
	}
	if t.Backend == "openai" {
		if _, ok := c.Providers[t.OpenAI.Provider]; !ok {
			ps.add("trainer.openai.provider", "unknown provider %q", t.OpenAI.Provider)
		}
	}
	if t.ServingProvider != "" {
		if _, ok := c.Providers[t.ServingProvider]; !ok {
			ps.add("trainer.serving_provider", "unknown provider %q", t.ServingProvider)
		}
	}
}

// Learned configures per-request learned routing (ONNX Runtime). Routes opt
// in with `policy: learned`; the gateway then needs ONNX Runtime (a cgo build
// and the shared library, see `make onnxruntime`), which the app checks at
// startup and reload (internal/onnx.Check).
type Learned struct {
	// ONNXRuntimePath is the path of libonnxruntime.so. Default
	// "./third_party/onnxruntime/libonnxruntime.so" (see make onnxruntime).
	ONNXRuntimePath string `yaml:"onnxruntime_path"`
	// Models maps route name to a router model file (.onnx) and its threshold.
	Models map[string]LearnedModel `yaml:"models"`
	// Sessions is the number of ONNX Runtime sessions pooled per model.
	// Default 0 = GOMAXPROCS, at most 8.
	Sessions int `yaml:"sessions"`
	// Training configures router training jobs (trainer/learned).
	Training LearnedTraining `yaml:"training"`
}

// LearnedModel is one route's router model: a .onnx taking the feature
// vector of internal/features (trained by Fledgling or brought by the user).
type LearnedModel struct {
	// Path of the .onnx file. Required.
	Path string `yaml:"path"`
	// Threshold: a request goes to the candidate when its score ≥ Threshold.
	// Required, within (0, 1]; a value above 1 (up to 2) routes nothing. Trained models carry the
	// chosen threshold in their metadata (fledgling.threshold) and report.
	Threshold float64 `yaml:"threshold"`
	// Candidate is the route's candidate model that serves routed requests.
	// Default: the route's first candidate.
	Candidate string `yaml:"candidate"`
}

// LearnedTraining configures router training.
type LearnedTraining struct {
	// Hidden lists the model shapes tried: 0 is logistic regression, n > 0 an
	// MLP with n hidden ReLU units; the one that routes the most traffic
	// within the quality threshold wins. Default [0, 32].
	Hidden []int `yaml:"hidden"`
	// Epochs over the training pairs. Default 40.
	Epochs int `yaml:"epochs"`
	// MinPairs of labelled shadow pairs before a router is trained. Default 300.
	MinPairs int `yaml:"min_pairs"`
}

func (l *Learned) setDefaults() {
	if l.ONNXRuntimePath == "" {
		l.ONNXRuntimePath = "./third_party/onnxruntime/libonnxruntime.so"
	}
	if len(l.Training.Hidden) == 0 {
		l.Training.Hidden = []int{0, 32}
	}
	if l.Training.Epochs == 0 {
		l.Training.Epochs = 40
	}
	if l.Training.MinPairs == 0 {
		l.Training.MinPairs = 300
	}
}

func (l *Learned) validate(ps *problems, c *Config) {
	for i, r := range c.Routes {
		if r.Policy == "learned" {
			if _, ok := l.Models[r.Name]; !ok {
				ps.add("learned_routing.models", "route %q (routes[%d]) uses policy learned but has no model", r.Name, i)
			}
		}
	}
	for name, m := range l.Models {
		l.validateModel(ps, c, name, m)
	}
	if l.Sessions < 0 {
		ps.add("learned_routing.sessions", "must be ≥ 0, got %d", l.Sessions)
	}
	for i, h := range l.Training.Hidden {
		if h < 0 {
			ps.add(fmt.Sprintf("learned_routing.training.hidden[%d]", i), "must be ≥ 0, got %d", h)
		}
	}
	if l.Training.Epochs < 0 || l.Training.MinPairs < 0 {
		ps.add("learned_routing.training", "epochs and min_pairs must be ≥ 0")
	}
}

func (l *Learned) validateModel(ps *problems, c *Config, name string, m LearnedModel) {
	path := "learned_routing.models." + name
	var route *Route
	for i := range c.Routes {
		if c.Routes[i].Name == name {
			route = &c.Routes[i]
		}
	}
	if route == nil {
		ps.add(path, "no route is named %q", name)
	}
	if m.Path == "" {
		ps.add(path+".path", "is required")
	}
	if m.Threshold <= 0 || m.Threshold > 2 || m.Threshold != m.Threshold {
		ps.add(path+".threshold", "must be within (0, 1] (above 1 routes nothing; take it from the training report), got %g", m.Threshold)
	}
	if route != nil && m.Candidate != "" {
		found := false
		for _, cand := range route.Candidates {
			found = found || cand.Model == m.Candidate
		}
		if !found {
			ps.add(path+".candidate", "%q is not a candidate of route %q", m.Candidate, name)
		}
	}
}
