package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
	"github.com/fledgling-ai/fledgling/internal/store"
	"github.com/fledgling-ai/fledgling/trainer"
)

// fakeVLLM records runtime LoRA loads.
type fakeVLLM struct {
	mu    sync.Mutex
	loads []map[string]string
}

func (f *fakeVLLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != "POST" || r.URL.Path != "/v1/load_lora_adapter" {
		http.Error(w, "not found", 404)
		return
	}
	var body map[string]string
	json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.loads = append(f.loads, body)
	f.mu.Unlock()
	io.WriteString(w, "Success: LoRA adapter loaded")
}

func trainerConfig(t *testing.T, dir, vllmURL string) (string, *config.Config) {
	recipe, _ := filepath.Abs("../../trainer/recipes/simulated_recipe.py")
	yaml := fmt.Sprintf(`
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers:
  up: {base_url: "http://127.0.0.1:9/v1", api_key: "sk-upstream-secret-1234"}
  vllm: {base_url: %q, lora: {runtime_load: true}}
models: {"*": {provider: up}}
routes:
  - name: r
    match: {models: [gpt-4o]}
    primary: gpt-4o
storage: {dsn: "sqlite://%s/f.db", spill_dir: %q}
redaction: {builtins: [email]}
trainer:
  enabled: true
  backend: exec
  exec:
    command: [python3, %q, --dataset, "{dataset}", --output-dir, "{output_dir}", --resume-from, "{resume_from}",
      --base-model, "{base_model}", --job-id, "{job_id}", --steps, "6", --step-seconds, "0.01", --checkpoint-every, "2"]
    base_model: tiny-base
  work_dir: %q
  serving_provider: vllm
  lease_ttl: 3s
  min_new_examples: 100000
`, vllmURL+"/v1", dir, filepath.Join(dir, "spill"), recipe, filepath.Join(dir, "trainer"))
	path := filepath.Join(dir, "fledgling.yaml")
	os.WriteFile(path, []byte(yaml), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, cfg
}

func writeCaptures(t *testing.T, db *store.DB, dir string, n int) {
	st, err := capture.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(st, capture.Options{SpillDir: filepath.Join(dir, "spill")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		body, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": []map[string]string{
			{"role": "system", "content": "Answer in one word."}, {"role": "user", "content": fmt.Sprintf("question %s from bob@example.com", words(i))}}})
		w.Record(&capture.Record{ID: fmt.Sprintf("req-%d", i), Time: time.Now().Add(-time.Hour + time.Duration(i)*time.Second),
			Kind: capture.KindChat, Route: "r", TaskKey: openai.TaskKey(body), Request: body, Status: 200,
			Response: openai.Message{Content: "answer " + words(i)}})
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// words spells i with letters, so examples stay distinct after the
// near-duplicate normalisation strips digits.
func words(i int) string {
	s := ""
	for ; ; i /= 26 {
		s = string(rune('a'+i%26)) + s
		if i < 26 {
			return s
		}
	}
}

func runMain(t *testing.T, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// The trainer as serve wires it: export from real captures (CLI), a manual
// job through the admin API run by the in-process worker with the simulated
// recipe, the adapter loaded into vLLM at runtime, the candidate recorded
// and handed to the app's hooks; then the jobs commands and a separate
// `trainer worker`.
func TestTrainerWiredEndToEnd(t *testing.T) {
	dir := t.TempDir()
	vllm := &fakeVLLM{}
	vsrv := httptest.NewServer(vllm)
	defer vsrv.Close()
	path, cfg := trainerConfig(t, dir, vsrv.URL)
	db, err := store.Open(context.Background(), cfg.Storage.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	writeCaptures(t, db, dir, 60)

	out := filepath.Join(dir, "train.jsonl")
	stdout, stderr, code := runMain(t, "dataset", "export", "--config", path, "--route", "r", "--out", out)
	if code != 0 || !strings.Contains(stdout, "dataset ds-r-v1") || !strings.Contains(stderr, "[###") {
		t.Fatalf("export exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(out)
	if strings.Contains(string(b), "bob@example.com") || !strings.Contains(string(b), "[REDACTED]") {
		t.Fatalf("export not redacted: %.300s", b)
	}

	s := &services{cfg: cfg, db: db, log: slog.New(slog.NewTextHandler(io.Discard, nil)), admin: http.NewServeMux(), public: http.NewServeMux()}
	var hooked []trainer.NewCandidate
	var mu sync.Mutex
	s.onCandidate(func(_ context.Context, c trainer.NewCandidate) error {
		mu.Lock()
		defer mu.Unlock()
		hooked = append(hooked, c)
		return nil
	})
	if err := s.buildTrainer(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, l := range s.loops {
		wg.Add(1)
		go func() { defer wg.Done(); l(ctx) }()
	}
	admin := httptest.NewServer(s.admin)
	defer admin.Close()
	job := postJSON(t, admin.URL+"/admin/v1/jobs", `{"route":"r"}`, 201)
	id := job.Get("id").String()
	done := waitAdminJob(t, admin.URL, id)
	stop()
	wg.Wait()
	if done.Get("state").String() != "succeeded" || done.Get("step").Int() != 6 {
		t.Fatalf("job %s", done.Raw)
	}
	mu.Lock()
	if len(hooked) != 1 || !hooked[0].Loaded || hooked[0].Provider != "vllm" || !strings.HasPrefix(hooked[0].PublicModel, "r-ft") {
		t.Fatalf("hooked candidates %+v", hooked)
	}
	c := hooked[0]
	mu.Unlock()
	if len(vllm.loads) != 1 || vllm.loads[0]["lora_name"] != c.UpstreamModel || vllm.loads[0]["lora_path"] != c.AdapterPath {
		t.Fatalf("vLLM loads %+v, candidate %+v", vllm.loads, c)
	}

	stdout, _, code = runMain(t, "jobs", "list", "--config", path)
	if code != 0 || !strings.Contains(stdout, id) || !strings.Contains(stdout, "succeeded") {
		t.Fatalf("jobs list: %d\n%s", code, stdout)
	}
	stdout, _, code = runMain(t, "jobs", "show", id, "--config", path)
	if code != 0 || gjson.Get(stdout, "artifact.adapter_path").String() != c.AdapterPath {
		t.Fatalf("jobs show: %d\n%s", code, stdout)
	}
	stdout, _, code = runMain(t, "jobs", "logs", "--config", path, id)
	if code != 0 || !strings.Contains(stdout, "SIMULATED training") {
		t.Fatalf("jobs logs: %d\n%s", code, stdout)
	}
	if _, _, code = runMain(t, "jobs", "cancel", "--config", path, id); code != 1 {
		t.Fatalf("cancelling a finished job exited %d", code)
	}
	runCLIWorker(t, path, s)
}

// runCLIWorker queues a job on the existing dataset and lets
// `fledgling trainer worker` run it.
func runCLIWorker(t *testing.T, path string, s *services) {
	job, err := s.trainer.TrainDataset(context.Background(), "ds-r-v1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		exit <- Main(ctx, []string{"trainer", "worker", "--config", path, "--id", "cli-worker"}, io.Discard, io.Discard)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j, _ := s.trainer.Jobs.Get(context.Background(), job.ID)
		if j.State.Terminal() {
			if j.State != trainer.Succeeded || j.Worker != "cli-worker" {
				t.Fatalf("job %+v", j)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trainer worker did not finish job %+v", j)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if code := <-exit; code != 0 {
		t.Fatalf("trainer worker exited %d", code)
	}
}

func postJSON(t *testing.T, url, body string, want int) gjson.Result {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s = %d %s", url, resp.StatusCode, b)
	}
	return gjson.ParseBytes(b)
}

func waitAdminJob(t *testing.T, base, id string) gjson.Result {
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/admin/v1/jobs/" + id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		j := gjson.ParseBytes(b)
		if st := j.Get("state").String(); st == "succeeded" || st == "failed" || st == "cancelled" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never finished: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
