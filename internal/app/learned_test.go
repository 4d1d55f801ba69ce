package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/shadow"
	"github.com/fledgling-ai/fledgling/shadow/eval"
)

type memPairReader []shadow.Pair

func (m memPairReader) Pairs(_ context.Context, q shadow.PairQuery) ([]shadow.Pair, error) {
	var out []shadow.Pair
	for _, p := range m {
		if p.Route == q.Route && p.Model == q.Model && (q.Version == "" || p.Version == q.Version) {
			out = append(out, p)
		}
	}
	return out, nil
}

type memCaptures map[string]*capture.Record

func (m memCaptures) Get(_ context.Context, id string) (*capture.Record, error) {
	if r, ok := m[id]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("%w: %s", capture.ErrNotFound, id)
}

func TestLearnedPairsLabelsAndJoins(t *testing.T) {
	pass := []eval.Result{{Evaluator: "tool_call", Pass: true}, {Evaluator: "json_valid", Skipped: true}}
	fail := []eval.Result{{Evaluator: "tool_call", Pass: true}, {Evaluator: "json_valid", Pass: false}}
	pair := func(id string, scores []eval.Result, candErr, primErr string) shadow.Pair {
		return shadow.Pair{CaptureID: id, Route: "r", Model: "small", Version: "v1", Scores: scores, CandidateError: candErr, PrimaryError: primErr}
	}
	body := []byte(`{"model":"big","messages":[{"role":"user","content":"hi"}]}`)
	caps := memCaptures{}
	for _, id := range []string{"pass", "fail", "canderr", "primerr", "noscore", "header"} {
		caps[id] = &capture.Record{ID: id, Request: body, TaskKey: openai.TaskKey(body)}
	}
	caps["header"].TaskKey = "billing"
	src := &learnedPairs{captures: caps, pairs: memPairReader{
		pair("pass", pass, "", ""), pair("fail", fail, "", ""), pair("canderr", nil, "timeout", ""),
		pair("primerr", pass, "", "upstream 500"), pair("noscore", []eval.Result{{Evaluator: "x", Skipped: true}}, "", ""),
		pair("pruned", pass, "", ""), pair("header", pass, "", ""),
	}, cfg: &config.Config{Routes: []config.Route{{Name: "r", Sampling: config.Sampling{TaskKeyHeader: "x-task"}}}}}
	got, err := src.Pairs(context.Background(), "r", "small", "v1")
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, ex := range got {
		labels = append(labels, fmt.Sprintf("%v/%s", ex.Passed, ex.TaskKey))
	}
	// pass, fail, canderr; primerr, noscore and pruned carry no label; header keeps its key.
	if want := "true/ false/ false/ true/billing"; strings.Join(labels, " ") != want {
		t.Fatalf("labels %q, want %q", strings.Join(labels, " "), want)
	}
}

func TestRouterJobSpec(t *testing.T) {
	cfg := &config.Config{Routes: []config.Route{{Name: "r", Candidates: []config.Candidate{
		{Model: "a", Version: "v1", Promotion: config.Promotion{Thresholds: map[string]float64{"tool_call": 0.9, "json_valid": 0.97}}},
		{Model: "b", Version: "v2", Promotion: config.Promotion{Thresholds: map[string]float64{"tool_call": 0.8}}},
		{Model: "c", Version: "v1"},
	}}}}
	cfg.Learned.Models = map[string]config.LearnedModel{"r": {Candidate: "b"}}
	cfg.Learned.Training = config.LearnedTraining{Hidden: []int{0}, Epochs: 3, MinPairs: 10}
	for _, c := range []struct{ cand, model, version string }{{"a@v1", "a", "v1"}, {"a", "a", "v1"}, {"", "b", "v2"}} {
		spec, err := routerJobSpec(cfg, "r", c.cand, "/out")
		if err != nil || spec.Model != c.model || spec.Version != c.version || spec.OutDir != "/out" || spec.Options.Epochs != 3 {
			t.Errorf("%q: %+v %v", c.cand, spec, err)
		}
	}
	if spec, _ := routerJobSpec(cfg, "r", "a@v1", "/out"); spec.Options.QualityThreshold != 0.97 {
		t.Errorf("quality threshold %v, want the strictest 0.97", spec.Options.QualityThreshold)
	}
	for _, bad := range []struct{ route, cand string }{{"nope", ""}, {"r", "a@v9"}, {"r", "zz"}, {"r", "c"}} {
		if _, err := routerJobSpec(cfg, bad.route, bad.cand, "/out"); err == nil {
			t.Errorf("%s %q: no error", bad.route, bad.cand)
		}
	}
}

// A learned route whose ONNX Runtime cannot load is a config error at
// validate and at start; without learned routes nothing loads it.
func TestLearnedNeedsONNXRuntime(t *testing.T) {
	dir := t.TempDir()
	base := fmt.Sprintf(`
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers: {up: {base_url: "http://127.0.0.1:9/v1"}}
models: {big: {provider: up}, small: {provider: up}}
storage: {dsn: "sqlite://%s/f.db", spill_dir: "%s/spill"}
routes:
  - {name: r, match: {models: [big]}, primary: big, candidates: [{model: small}]POLICY}
learned_routing: {onnxruntime_path: %q, models: {r: {path: %q, threshold: 0.7}}}
`, dir, dir, filepath.Join(dir, "no-such-libonnxruntime.so"), filepath.Join(dir, "r.onnx"))
	path := filepath.Join(dir, "f.yaml")
	os.WriteFile(path, []byte(strings.Replace(base, "POLICY", "", 1)), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkLearned(cfg); err != nil {
		t.Fatalf("no learned route, yet: %v", err)
	}
	os.WriteFile(path, []byte(strings.Replace(base, "POLICY", ", policy: learned", 1)), 0o644)
	_, errb, code := runMain(t, "validate", "--config", path)
	if code != 1 || !strings.Contains(errb, "learned_routing.onnxruntime_path:") || !strings.Contains(errb, "unavailable") {
		t.Fatalf("validate: exit %d: %s", code, errb)
	}
	cfg, err = config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "learned_routing.onnxruntime_path") {
		if h != nil {
			h.s.close(context.Background())
		}
		t.Fatalf("start: %v", err)
	}
}

func TestJobsRouterCLI(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`
auth: {mode: none}
providers: {up: {base_url: "http://127.0.0.1:9/v1"}}
models: {big: {provider: up}, small: {provider: up}}
storage: {dsn: "sqlite://%s/f.db", spill_dir: "%s/spill"}
routes:
  - {name: r, match: {models: [big]}, primary: big, candidates: [{model: small, promotion: {thresholds: {exact_match: 0.9}}}]}
`, dir, dir)), 0o644)
	if _, errb, code := runMain(t, "jobs", "router", "--route", "r", "--candidate", "nope", "--config", path); code != 1 || !strings.Contains(errb, "no candidate") {
		t.Fatalf("unknown candidate: exit %d %s", code, errb)
	}
	out, errb, code := runMain(t, "jobs", "router", "--route", "r", "--config", path)
	if code != 0 || !strings.Contains(out, "queued (learned_router, route r)") {
		t.Fatalf("exit %d: %s %s", code, out, errb)
	}
	out, _, _ = runMain(t, "jobs", "show", strings.Fields(out)[0], "--config", path)
	if !strings.Contains(out, `"backend": "learned_router"`) {
		t.Fatalf("jobs show: %s", out)
	}
}
