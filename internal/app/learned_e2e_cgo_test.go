//go:build cgo

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/features"
	"github.com/fledgling-ai/fledgling/internal/onnx"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/shadow"
	"github.com/fledgling-ai/fledgling/shadow/eval"
	"github.com/fledgling-ai/fledgling/trainer"
)

const learnedYAML = `
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers: {up: {base_url: "UP/v1"}}
models: {big: {provider: up}, small: {provider: up}}
routes:
  - name: r
    match: {models: [big]}
    primary: big
    evaluators: [exact_match]
    candidates: [{model: small, version: v1, sample_rate: 0.01, promotion: {thresholds: {exact_match: 0.85}}}]
POLICY
storage: {dsn: "sqlite://DIR/f.db", spill_dir: "DIR/spill"}
trainer: {enabled: true, exec: {command: ["true"]}, work_dir: "DIR/trainer", min_new_examples: 1000000, lease_ttl: 3s}
learned_routing:
  onnxruntime_path: "LIB"
  training: {hidden: [0], epochs: 12, min_pairs: 200}
MODELS`

// topicBody is a request the candidate passes (arithmetic) or fails (legal).
func topicBody(rng *rand.Rand, easy bool) []byte {
	words := []string{"summarize", "legal", "contract", "clause", "liability", "nuance"}
	if easy {
		words = []string{"add", "sum", "multiply", "numbers", "total", "plus"}
	}
	text := "please"
	for k := 0; k < 4+rng.Intn(8); k++ {
		text += " " + words[rng.Intn(len(words))]
	}
	b, _ := json.Marshal(map[string]any{"model": "big", "messages": []map[string]string{
		{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}}})
	return b
}

// seedLearnedEvidence stores n captures of route r and one scored shadow
// pair each for small@v1, through the capture writer and the shadow store.
func seedLearnedEvidence(t *testing.T, dir string, n int) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+dir+"/f.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := capture.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(st, capture.Options{SpillDir: filepath.Join(dir, "spill")})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := shadow.NewStore(ctx, db, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(7))
	now := time.Now().Add(-time.Hour)
	for i := 0; i < n; i++ {
		easy := i%2 == 0
		body := topicBody(rng, easy)
		id := fmt.Sprintf("req-%d", i)
		at := now.Add(time.Duration(i) * time.Second)
		w.Record(&capture.Record{ID: id, Time: at, Kind: capture.KindChat, Route: "r", TaskKey: openai.TaskKey(body),
			Request: body, Status: 200, RequestedModel: "big", AnsweringModel: "big", Response: openai.Message{Content: "ok"}})
		p := &shadow.Pair{CaptureID: id, Time: at, Route: "r", Model: "small", Version: "v1", CandidateStatus: 200, PrimaryStatus: 200,
			Scores: []eval.Result{{Evaluator: "exact_match", Pass: easy, Score: map[bool]float64{true: 1}[easy]}}}
		if err := sh.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// modelEchoUpstream answers every chat completion with the model it was asked for.
func modelEchoUpstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`,
			gjson.GetBytes(body, "model").String())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func learnedConfig(t *testing.T, dir, lib, up, policy, models string) string {
	yaml := strings.NewReplacer("UP", up, "DIR", dir, "LIB", lib, "POLICY", policy, "MODELS", models).Replace(learnedYAML)
	path := filepath.Join(dir, "fledgling.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLearnedRoutingEndToEnd: shadow pairs with real captures → a
// learned_router job through POST /admin/v1/jobs (RunJob on the worker) →
// .onnx + threshold → config reload opens it in ONNX Runtime → the gateway
// sends requests the model scores high to the candidate, low to the primary.
func TestLearnedRoutingEndToEnd(t *testing.T) {
	lib, err := onnx.EnsureLibrary("../..")
	if err != nil {
		t.Fatalf("ONNX Runtime unavailable (make onnxruntime): %v", err)
	}
	lib, _ = filepath.Abs(lib)
	dir := t.TempDir()
	seedLearnedEvidence(t, dir, 400)
	up := modelEchoUpstream(t)
	path := learnedConfig(t, dir, lib, up.URL, "", "")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); h.Wait() }()

	job := runRouterJob(t, h.URL())
	art := job.Artifact
	if art == nil || art.Kind != trainer.ArtifactLearnedRouter || art.Threshold <= 0 || art.Threshold > 1 || art.Candidate != "small@v1" {
		t.Fatalf("artifact %+v", art)
	}
	t.Logf("job %s: %d steps, loss %.3f, router %s threshold %.4g", job.ID, job.Step, job.Loss, art.Path, art.Threshold)
	if st, err := os.Stat(art.Path); err != nil || st.Size() == 0 {
		t.Fatalf("model file %s: %v", art.Path, err)
	}
	if _, err := os.Stat(art.Manifest); err != nil {
		t.Fatalf("report %s: %v", art.Manifest, err)
	}

	models := fmt.Sprintf("  models: {r: {path: %q, threshold: %g, candidate: small}}", art.Path, art.Threshold)
	learnedConfig(t, dir, lib, up.URL, "    policy: learned", models)
	if _, errb, code := runMain(t, "validate", "--config", path); code != 0 {
		t.Fatalf("validate: %s", errb)
	}
	h.s.reload("test")                  // what SIGHUP or a file change does, synchronously
	rng := rand.New(rand.NewSource(99)) // requests never seen in training
	checkLearnedRouting(t, h.URL(), rng)
	first := h.s.learned.current()["r"]

	// A second reload opens new scorers and closes the old ones; the tables
	// compiled since (promotion state included) must use the new ones.
	h.s.reload("test")
	if h.s.learned.current()["r"] == first {
		t.Fatal("reload kept the old scorer")
	}
	if _, err := first.Score(make([]float32, features.Dim)); !errors.Is(err, onnx.ErrClosed) {
		t.Error("the replaced scorer was not closed")
	}
	checkLearnedRouting(t, h.URL(), rng)

	// A reload whose model cannot be opened is rejected: routing goes on.
	learnedConfig(t, dir, lib, up.URL, "    policy: learned", strings.Replace(models, art.Path, filepath.Join(dir, "missing.onnx"), 1))
	if _, errb, code := runMain(t, "validate", "--config", path); code != 1 || !strings.Contains(errb, "learned_routing.models.r.path") {
		t.Fatalf("validate of a missing model: exit %d: %s", code, errb)
	}
	h.s.reload("test")
	checkLearnedRouting(t, h.URL(), rng)
}

// checkLearnedRouting sends unseen requests: easy ones must be served by the
// candidate, hard ones by the primary.
func checkLearnedRouting(t *testing.T, base string, rng *rand.Rand) {
	t.Helper()
	for i := 0; i < 20; i++ {
		easy := i%2 == 0
		want := map[bool]string{true: "small", false: "big"}[easy]
		if got := served(t, base, topicBody(rng, easy)); got != want {
			t.Fatalf("request %d (easy=%v) served by %q, want %q", i, easy, got, want)
		}
	}
}

func runRouterJob(t *testing.T, base string) *trainer.Job {
	res, err := http.Post(base+"/admin/v1/jobs", "application/json",
		strings.NewReader(`{"route":"r","kind":"learned_router","candidate":"small@v1"}`))
	if err != nil {
		t.Fatal(err)
	}
	var job trainer.Job
	json.NewDecoder(res.Body).Decode(&job)
	res.Body.Close()
	if res.StatusCode != 201 || job.Backend != trainer.BackendLearnedRouter {
		t.Fatalf("POST /admin/v1/jobs: %d %+v", res.StatusCode, job)
	}
	waitUntil(t, 90*time.Second, func() bool {
		r, err := http.Get(base + "/admin/v1/jobs/" + job.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		json.NewDecoder(r.Body).Decode(&job)
		return job.State.Terminal()
	})
	if job.State != trainer.Succeeded || job.Step < 12 { // 12 epochs of ≥ 1 step
		t.Fatalf("job %s: %s (step %d): %s", job.ID, job.State, job.Step, job.Error)
	}
	r, err := http.Get(base + "/admin/v1/jobs/" + job.ID + "/logs")
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !bytes.Contains(logs, []byte("learned_routing.models.r")) {
		t.Errorf("job log does not say how to serve the router: %s", logs)
	}
	return &job
}

// served sends body through the gateway and returns the model that answered.
func served(t *testing.T, base string, body []byte) string {
	res, err := http.Post(base+"/v1/chat/completions", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, raw)
	}
	return gjson.GetBytes(raw, "model").String()
}

func waitUntil(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
