package app

import (
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

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/shadow"
)

const shadowYAML = `
server: {listen: "127.0.0.1:0"}
auth: {mode: none}
providers:
  big: {base_url: "BIG/v1", api_key: "sk-big"}
  small: {base_url: "SMALL/v1"}
models:
  gpt-4o: {provider: big}
  slm: {provider: small, model: qwen2.5-1.5b-support-v2}
routes:
  - name: support
    match: {models: [support]}
    primary: gpt-4o
    candidates: [{model: slm, version: v2, sample_rate: 1}]
storage: {dsn: "sqlite://DIR/f.db", spill_dir: "DIR/spill"}
shadow: {timeout: 2s}
`

// fakeUpstream answers chat completions with one tool call whose city is
// cityFor(requested city); it records the upstream model names it saw.
func fakeUpstream(t *testing.T, cityFor func(string) string, seen chan<- string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if seen != nil {
			seen <- gjson.GetBytes(body, "model").String() + " stream=" + gjson.GetBytes(body, "stream").Raw
		}
		user := gjson.GetBytes(body, "messages.#(role==\"user\").content").String()
		city := cityFor(strings.TrimSuffix(strings.TrimPrefix(user, "Weather in "), "?"))
		args, _ := json.Marshal(map[string]string{"city": city})
		resp := map[string]any{"id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": gjson.GetBytes(body, "model").String(),
			"choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "message": map[string]any{"role": "assistant", "content": nil,
				"tool_calls": []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "get_weather", "arguments": string(args)}}}}}},
			"usage": map[string]any{"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}}
		if gjson.GetBytes(body, "stream").Bool() {
			writeSSE(w, gjson.GetBytes(body, "model").String(), string(args))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestShadowThroughTheGateway: real gateway, real capture and shadow wiring:
// a client call to the route is mirrored to the candidate (upstream name,
// non-streamed), scored, and visible on the admin API and the CLI.
func TestShadowThroughTheGateway(t *testing.T) {
	dir := t.TempDir()
	big := fakeUpstream(t, func(c string) string { return c }, nil)
	seen := make(chan string, 16)
	small := fakeUpstream(t, func(c string) string {
		if c == "Oslo" {
			return "Bergen"
		}
		return c
	}, seen)
	yaml := strings.NewReplacer("BIG", big.URL, "SMALL", small.URL, "DIR", dir).Replace(shadowYAML)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); h.Wait() }()
	for _, city := range []string{"Paris", "Oslo", "Rome", "Lima"} {
		body := `{"model":"support","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Weather in ` + city + `?"}],
			"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}`
		res, err := http.Post(h.URL()+"/v1/chat/completions", "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", city, res.StatusCode)
		}
	}
	select {
	case got := <-seen:
		if got != "qwen2.5-1.5b-support-v2 stream=false" {
			t.Fatalf("candidate got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the candidate was never called")
	}
	var view shadow.RouteView
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(h.URL() + "/admin/v1/routes/support/candidates")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&view)
		res.Body.Close()
		if len(view.Candidates) == 1 && view.Candidates[0].All.Pairs == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin view never showed 4 pairs: status %d %+v", res.StatusCode, view)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tc := view.Candidates[0].All.Evaluators["tool_call"]
	if tc.N != 4 || tc.Passes != 3 || view.Candidates[0].Rolling.Evaluators["tool_call"].Passes != 3 {
		t.Fatalf("tool_call evidence %+v", tc)
	}
	cancel()
	h.Wait()
	var out, errb bytes.Buffer
	cfgPath := dir + "/fledgling.yaml"
	if err := writeFile(cfgPath, yaml); err != nil {
		t.Fatal(err)
	}
	if code := Main(context.Background(), []string{"routes", "show", "support", "--config", cfgPath}, &out, &errb); code != 0 {
		t.Fatalf("routes show: exit %d: %s", code, errb.String())
	}
	t.Logf("routes show:\n%s", out.String())
	for _, want := range []string{"candidate slm@v2", "tool_call", "0.750", "since appeared"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("routes show output lacks %q:\n%s", want, out.String())
		}
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// writeSSE streams one tool call the way OpenAI does: role chunk, argument
// fragments, finish chunk, usage chunk, [DONE].
func writeSSE(w http.ResponseWriter, model, args string) {
	w.Header().Set("Content-Type", "text/event-stream")
	half := len(args) / 2
	chunks := []string{
		`{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":` + jsonString(args[:half]) + `}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":` + jsonString(args[half:]) + `}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		`{"choices":[],"usage":{"prompt_tokens":50,"completion_tokens":10,"total_tokens":60}}`,
	}
	for _, c := range chunks {
		io.WriteString(w, "data: {\"id\":\"chatcmpl-x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""+model+"\","+c[1:]+"\n\n")
	}
	io.WriteString(w, "data: [DONE]\n\n")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
