package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// fastConfig is a simulator with no latency, for tests.
func fastConfig(small map[string]float64) Config {
	large, sm := LargeProfile(), SmallProfile()
	large.Latency, large.Jitter, sm.Latency, sm.Jitter = 0, 0, 0, 0
	if small != nil {
		sm.Agreement = small
	}
	return Config{Seed: 42, Models: map[string]Profile{"sim-large": large, "sim-small": sm},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func startSim(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func newDriver(t *testing.T, base string, mutate func(*DriverConfig)) *Driver {
	t.Helper()
	cfg := DriverConfig{BaseURL: base + "/v1", Seed: 1, Concurrency: 4}
	if mutate != nil {
		mutate(&cfg)
	}
	d, err := NewDriver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The official openai-go client accepts the simulator's wire format for every
// task, streaming and not, and the large model's answers are the ground truth.
func TestOfficialClientAcceptsWireFormat(t *testing.T) {
	s, ts := startSim(t, fastConfig(nil))
	d := newDriver(t, ts.URL, nil)
	ctx := context.Background()
	for _, task := range s.Workload().Tasks {
		for _, stream := range []bool{false, true} {
			for _, it := range task.Items[:3] {
				r := d.Send(ctx, task, it, "u1", stream)
				if !r.OK() || r.Model != "sim-large" || !r.Correct {
					t.Fatalf("%s stream=%v: %+v", it.ID, stream, r)
				}
				if r.PromptTokens <= 0 || r.CompletionTokens <= 0 {
					t.Errorf("%s stream=%v: usage missing: %+v", it.ID, stream, r)
				}
				want := "tool_calls"
				if task.Kind == KindJSON {
					want = "stop"
				}
				if r.FinishReason != want {
					t.Errorf("%s: finish_reason %q, want %q", it.ID, r.FinishReason, want)
				}
			}
		}
	}
	st := s.Stats()
	for _, task := range s.Workload().Tasks {
		if st.TaskKeys[task.Name] != task.Key() {
			t.Errorf("task %s: key from the official client's body %s, Task.Key() %s", task.Name, st.TaskKeys[task.Name], task.Key())
		}
	}
	if m := st.Models["sim-large"]; m.Calls != int64(len(s.Workload().Tasks)*6) || m.Streams != int64(len(s.Workload().Tasks)*3) {
		t.Errorf("stats: %+v", m)
	}
}

// The raw SSE stream follows OpenAI's sequence exactly.
func TestStreamSequence(t *testing.T) {
	s, ts := startSim(t, fastConfig(nil))
	task := s.Workload().Task("parallel")
	body, _ := json.Marshal(task.Request(task.Items[0], "sim-large", "u1", true))
	resp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content-type %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data: ") {
			events = append(events, strings.TrimPrefix(line, "data: "))
		}
	}
	if len(events) < 4 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("want chunks ending in [DONE], got %d events", len(events))
	}
	type chunk struct {
		Choices []struct {
			Delta struct {
				Role      string `json:"role"`
				ToolCalls []struct {
					Index    *int   `json:"index"`
					ID       string `json:"id"`
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage json.RawMessage `json:"usage"`
	}
	var chunks []chunk
	for _, e := range events[:len(events)-1] {
		var c chunk
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatalf("bad chunk %s: %v", e, err)
		}
		if !strings.Contains(e, `"usage":`) {
			t.Errorf("with include_usage every chunk carries usage: %s", e)
		}
		chunks = append(chunks, c)
	}
	first, fin, last := chunks[0], chunks[len(chunks)-2], chunks[len(chunks)-1]
	if first.Choices[0].Delta.Role != "assistant" || first.Choices[0].Delta.ToolCalls[0].ID == "" {
		t.Errorf("first chunk must carry the role and the first call's id: %+v", first)
	}
	if fin.Choices[0].FinishReason == nil || *fin.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("finish chunk: %+v", fin)
	}
	if len(last.Choices) != 0 || string(last.Usage) == "null" {
		t.Errorf("usage chunk must have choices [] and usage: %+v", last)
	}
	args := map[int]string{}
	for _, c := range chunks[:len(chunks)-1] {
		if len(c.Choices) == 1 {
			for _, tc := range c.Choices[0].Delta.ToolCalls {
				args[*tc.Index] += tc.Function.Arguments
			}
		}
	}
	if len(args) != len(task.Items[0].Truth) || len(args) < 2 {
		t.Errorf("want %d parallel calls, got %d", len(task.Items[0].Truth), len(args))
	}
	for i, a := range args {
		if !json.Valid([]byte(a)) {
			t.Errorf("call %d: reassembled arguments are not JSON: %s", i, a)
		}
	}
}

// The small model's agreement per task, as the application sees it through
// the official client, matches the configuration and the simulator's own
// ground-truth counters exactly; token counters match the usage returned.
func TestDriverAgreementMatchesGroundTruthCounters(t *testing.T) {
	agree := map[string]float64{"calc": 0.95, "multi": 0.9, "parallel": 0.85, "extract": 0.5}
	s, ts := startSim(t, fastConfig(agree))
	d := newDriver(t, ts.URL, func(c *DriverConfig) {
		c.Model, c.Requests, c.Concurrency, c.StreamShare, c.Users = "sim-small", 480, 8, 0.3, 200
	})
	sum := d.Run(context.Background())
	if sum.Sent != 480 || sum.Failed != 0 || sum.ByModel["sim-small"] != 480 {
		t.Fatalf("summary: %s failures=%+v", sum, sum.Failures)
	}
	st := s.Stats().Models["sim-small"]
	var prompt, completion int64
	for _, r := range d.Results() {
		prompt += r.PromptTokens
		completion += r.CompletionTokens
	}
	if st.Calls != 480 || st.PromptTokens != prompt || st.CompletionTokens != completion {
		t.Errorf("stats calls=%d prompt=%d completion=%d; driver saw prompt=%d completion=%d", st.Calls, st.PromptTokens, st.CompletionTokens, prompt, completion)
	}
	for name, want := range agree {
		ts := sum.ByTask[name]
		if int64(ts.Correct) != st.Tasks[name].Correct || int64(ts.Sent) != st.Tasks[name].Calls {
			t.Errorf("%s: driver graded %d/%d correct, simulator counted %d/%d", name, ts.Correct, ts.Sent, st.Tasks[name].Correct, st.Tasks[name].Calls)
		}
		got := float64(ts.Correct) / float64(ts.Sent)
		t.Logf("%s: agreement %.3f over %d (configured %.2f), mistakes %v", name, got, ts.Sent, want, st.Tasks[name].Mistakes)
		if got < want-0.1 || got > want+0.1 {
			t.Errorf("%s: agreement %.3f, want %.2f±0.1", name, got, want)
		}
	}
}

// Lowering a task's agreement over HTTP injects a regression on that task only.
func TestRegressionInjection(t *testing.T) {
	s, ts := startSim(t, fastConfig(map[string]float64{"*": 1}))
	run := func() Summary {
		d := newDriver(t, ts.URL, func(c *DriverConfig) {
			c.Model, c.Requests, c.Concurrency, c.Mix = "sim-small", 120, 8, map[string]float64{"calc": 1, "multi": 1}
		})
		return d.Run(context.Background())
	}
	before := run()
	resp, err := http.Post(ts.URL+"/sim/quality", "application/json",
		strings.NewReader(`{"model":"sim-small","task":"calc","agreement":0.2}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /sim/quality: %v %v", resp.StatusCode, err)
	}
	after := run()
	rate := func(s Summary, task string) float64 {
		return float64(s.ByTask[task].Correct) / float64(s.ByTask[task].Sent)
	}
	if rate(before, "calc") != 1 || rate(before, "multi") != 1 {
		t.Fatalf("before: %+v", before.ByTask)
	}
	if r := rate(after, "calc"); r > 0.35 {
		t.Errorf("calc agreement after regression %.2f, want about 0.2", r)
	}
	if rate(after, "multi") != 1 {
		t.Errorf("multi must stay unaffected: %+v", after.ByTask["multi"])
	}
	if p, _ := s.Profile("sim-small"); p.Agreement["calc"] != 0.2 {
		t.Errorf("profile not updated: %v", p.Agreement)
	}
	if err := s.SetAgreement("sim-small", "nope", 0.5); err == nil {
		t.Error("unknown task must be rejected")
	}
}

// Two simulators with the same seed (two replicas, or a re-run) give the
// same answers to the same requests.
func TestDeterministicAcrossReplicas(t *testing.T) {
	agree := map[string]float64{"*": 0.6}
	_, a := startSim(t, fastConfig(agree))
	_, b := startSim(t, fastConfig(agree))
	ra := newDriver(t, a.URL, func(c *DriverConfig) { c.Model, c.Requests, c.Concurrency = "sim-small", 120, 1 })
	rb := newDriver(t, b.URL, func(c *DriverConfig) { c.Model, c.Requests, c.Concurrency = "sim-small", 120, 1 })
	ra.Run(context.Background())
	rb.Run(context.Background())
	x, y := ra.Results(), rb.Results()
	wrong := 0
	for i := range x {
		if x[i].Item != y[i].Item || x[i].User != y[i].User || x[i].Correct != y[i].Correct || x[i].CompletionTokens != y[i].CompletionTokens {
			t.Fatalf("seq %d differs: %+v vs %+v", i, x[i], y[i])
		}
		if !x[i].Correct {
			wrong++
		}
	}
	if wrong == 0 {
		t.Fatal("with agreement 0.6 some answers must be wrong")
	}
}

func TestFaultsAndErrors(t *testing.T) {
	s, ts := startSim(t, fastConfig(nil))
	d := newDriver(t, ts.URL, func(c *DriverConfig) { c.Model, c.Timeout = "sim-small", 300*time.Millisecond })
	task := s.Workload().Task("calc")
	if err := s.SetFault("sim-small", Fault{Mode: "error", Status: 503}); err != nil {
		t.Fatal(err)
	}
	if r := d.Send(context.Background(), task, task.Items[0], "u", false); r.OK() || r.Status != 503 {
		t.Errorf("error fault: %+v", r)
	}
	if err := s.SetFault("sim-small", Fault{Mode: "hang"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if r := d.Send(context.Background(), task, task.Items[0], "u", true); r.OK() || time.Since(start) > 5*time.Second {
		t.Errorf("hang fault: %+v", r)
	}
	_ = s.SetFault("sim-small", Fault{Mode: "none"})
	if r := d.Send(context.Background(), task, task.Items[0], "u", false); !r.OK() {
		t.Errorf("after clearing the fault: %+v", r)
	}
	if st := s.Stats().Models["sim-small"]; st.Faults != 2 || st.Calls != 1 {
		t.Errorf("stats: %+v", st)
	}
	unknown := newDriver(t, ts.URL, func(c *DriverConfig) { c.Model = "gpt-4o" })
	if r := unknown.Send(context.Background(), task, task.Items[0], "u", false); r.Status != 404 || !strings.Contains(r.Err, "model_not_found") {
		t.Errorf("unknown model: %+v", r)
	}
	resp, _ := http.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"sim-large"`))
	if resp.StatusCode != 400 {
		t.Errorf("bad JSON: status %d", resp.StatusCode)
	}
}

func TestModelsAndLoRA(t *testing.T) {
	_, ts := startSim(t, fastConfig(map[string]float64{"*": 0.5}))
	dir := t.TempDir()
	_ = writeFile(dir+"/sim-profile.json", `{"agreement":{"calc":0.97}}`)
	resp, err := http.Post(ts.URL+"/v1/load_lora_adapter", "application/json",
		strings.NewReader(`{"lora_name":"sim-small-ft-v2","lora_path":"`+dir+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("load_lora_adapter: %v %v", resp.StatusCode, err)
	}
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	r2, _ := http.Get(ts.URL + "/v1/models")
	_ = json.NewDecoder(r2.Body).Decode(&list)
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "sim-large,sim-small,sim-small-ft-v2" {
		t.Errorf("models: %v", ids)
	}
	r3, _ := http.Get(ts.URL + "/sim/quality")
	var q map[string]map[string]float64
	_ = json.NewDecoder(r3.Body).Decode(&q)
	if q["sim-small-ft-v2"]["calc"] != 0.97 || q["sim-small-ft-v2"]["*"] != 0.5 {
		t.Errorf("adapter profile: %v", q)
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
