package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
)

const streamBody = `{"model":"gpt-big","stream":true,"messages":[{"role":"user","content":"What is the capital of France?"}]}`

func TestStreamInjectsUsageAndStripsItFromTheClient(t *testing.T) {
	e := newEnv(t, nil)
	res := e.post("/v1/chat/completions", streamBody)
	body := readAll(t, res)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content-type %q", ct)
	}
	if !gjson.GetBytes(e.fake.Requests()[0].Body, "stream_options.include_usage").Bool() {
		t.Fatal("usage was not requested from the upstream")
	}
	data := sseData(body)
	if data[len(data)-1] != "[DONE]" {
		t.Fatalf("no [DONE]: %s", body)
	}
	for _, d := range data[:len(data)-1] {
		if gjson.Get(d, "usage").Exists() || gjson.Get(d, "model").String() != "gpt-big" {
			t.Fatalf("chunk leaks usage or the upstream model: %s", d)
		}
	}
	if res.Header.Get("X-Fledgling-Cost-Usd") != "" {
		t.Fatal("cost header on a stream")
	}
	rec := e.record()
	if rec.Response.Content != "Hello from big-upstream! The capital of France is Paris." || !rec.Usage.Present() ||
		rec.Response.FinishReason != "stop" || rec.TTFT <= 0 || !rec.OK() || rec.CostMicros == 0 {
		t.Fatalf("record %+v", rec)
	}
}

func TestStreamKeepsUsageChunkWhenClientAsked(t *testing.T) {
	e := newEnv(t, nil)
	body := readAll(t, e.post("/v1/chat/completions", `{"model":"gpt-small","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`))
	data := sseData(body)
	usage := gjson.Get(data[len(data)-2], "usage")
	if !usage.IsObject() || gjson.Get(data[len(data)-2], "choices.#").Int() != 0 {
		t.Fatalf("usage chunk missing: %s", body)
	}
	if string(e.fake.Requests()[0].Body) != `{"model":"gpt-small","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}` {
		t.Fatalf("body changed: %s", e.fake.Requests()[0].Body)
	}
}

func TestStreamToolCallsAreReassembled(t *testing.T) {
	e := newEnv(t, nil)
	body := readAll(t, e.post("/v1/chat/completions", `{"model":"gpt-small","stream":true,"messages":[{"role":"user","content":"weather?"}],
	  "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}}}}}]}`))
	if !strings.Contains(body, `"tool_calls"`) {
		t.Fatalf("no tool call streamed: %s", body)
	}
	rec := e.record()
	tc := rec.Response.ToolCalls
	if len(tc) != 1 || tc[0].ID != "call_fake_1" || tc[0].Name != "get_weather" || tc[0].Arguments != `{"city":"Paris","days":1}` || rec.Response.FinishReason != "tool_calls" {
		t.Fatalf("reassembled %+v", rec.Response)
	}
}

func TestStreamFailingBeforeFirstByteFallsBack(t *testing.T) {
	for name, f := range map[string]fakeupstream.Fault{
		"slow first token": {FirstTokenDelay: 2 * time.Second},
		"cut":              {CutFirst: true},
		"in-band error":    {ErrorFirst: true},
		"malformed":        {MalformedFirst: true},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": f}), func(c *config.Config, _ *Options) { c.Retry.MaxAttempts = 1 })
			body := readAll(t, e.post("/v1/chat/completions", streamBody))
			data := sseData(body)
			if len(data) < 2 || gjson.Get(data[0], "model").String() != "gpt-small" || data[len(data)-1] != "[DONE]" {
				t.Fatalf("no clean fallback: %s", body)
			}
			rec := e.record()
			if len(rec.Attempts) != 2 || rec.Attempts[0].ErrorClass == "" || !rec.OK() || rec.AnsweringModel != "gpt-small" {
				t.Fatalf("record %+v", rec)
			}
		})
	}
}

// brokenStream runs a stream whose upstream breaks after two events and
// checks the client got an in-band error and no [DONE], with no retry.
func brokenStream(t *testing.T, f fakeupstream.Fault, class string) {
	t.Helper()
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": f}))
	res := e.post("/v1/chat/completions", streamBody)
	body := readAll(t, res)
	data := sseData(body)
	last := data[len(data)-1]
	if res.StatusCode != 200 || len(data) != 3 || !gjson.Get(last, "error.message").Exists() || strings.Contains(body, "[DONE]") {
		t.Fatalf("broken stream relayed as: %s", body)
	}
	if e.countModel("big-upstream") != 1 || e.countModel("gpt-small") != 0 {
		t.Fatal("a stream was retried after its first byte reached the client")
	}
	rec := e.record()
	if !rec.Truncated || rec.ErrorClass != class || rec.OK() || rec.Response.Content == "" {
		t.Fatalf("record: truncated=%v class=%q content=%q", rec.Truncated, rec.ErrorClass, rec.Response.Content)
	}
}

func TestStreamCutAfterFirstByteEndsWithErrorEvent(t *testing.T) {
	brokenStream(t, fakeupstream.Fault{CutAfter: 2}, "stream_cut")
}

func TestStreamStallAfterFirstByteEndsWithErrorEvent(t *testing.T) {
	brokenStream(t, fakeupstream.Fault{StallAfter: 2}, "timeout_idle")
}

func TestStreamMalformedEventEndsWithErrorEvent(t *testing.T) {
	brokenStream(t, fakeupstream.Fault{MalformedAfter: 2}, "stream_malformed")
}

func TestStreamUpstreamErrorEventIsRelayedAndRecorded(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {ErrorAfter: 2}}))
	body := readAll(t, e.post("/v1/chat/completions", streamBody))
	data := sseData(body)
	if len(data) != 3 || gjson.Get(data[2], "error.type").String() != "server_error" || strings.Contains(body, "[DONE]") {
		t.Fatalf("stream: %s", body)
	}
	if rec := e.record(); rec.ErrorClass != "stream_upstream_error" || !rec.Truncated {
		t.Fatalf("record %+v", rec)
	}
}

func TestStreamEndingWithoutDoneButCompleteFinishesCleanly(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {NoDone: true}}))
	body := readAll(t, e.post("/v1/chat/completions", streamBody))
	data := sseData(body)
	if data[len(data)-1] != "[DONE]" || strings.Contains(body, "error") {
		t.Fatalf("stream: %s", body)
	}
	if rec := e.record(); !rec.OK() || !rec.Usage.Present() {
		t.Fatalf("record %+v", rec)
	}
}

func TestStreamEventsAreFlushedAsTheyArrive(t *testing.T) {
	e := newEnv(t, byModel(map[string]fakeupstream.Fault{"big-upstream": {EventDelay: 150 * time.Millisecond}}),
		func(c *config.Config, _ *Options) {
			p := c.Providers["up"]
			p.Timeouts.Idle = 2 * time.Second
			c.Providers["up"] = p
		})
	start := time.Now()
	res := e.post("/v1/chat/completions", streamBody)
	defer res.Body.Close()
	buf := make([]byte, 4096)
	n, err := res.Body.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), `"role":"assistant"`) {
		t.Fatalf("first read: %q %v", buf[:n], err)
	}
	if d := time.Since(start); d > 120*time.Millisecond {
		t.Fatalf("first event took %s: it was buffered", d)
	}
	io.Copy(io.Discard, res.Body)
}

func TestCostTrailerOnStreamsWhenConfigured(t *testing.T) {
	e := newEnv(t, nil, func(c *config.Config, _ *Options) { c.Costs.HeaderOnStreams = true })
	res := e.post("/v1/chat/completions", streamBody)
	readAll(t, res)
	if res.Trailer.Get("X-Fledgling-Cost-Usd") == "" || res.Header.Get("X-Fledgling-Cost-Usd") != "" {
		t.Fatalf("trailer %v header %v", res.Trailer, res.Header)
	}
}

var _ = http.StatusOK

func TestStreamRequestAnsweredWithJSONIsRelayedAsJSON(t *testing.T) {
	up := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"x","object":"chat.completion","model":"big-upstream","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`))
	})
	e := newEnv(t, nil)
	e.up.Config.Handler = up
	res := e.post("/v1/chat/completions", streamBody)
	out := readAll(t, res)
	if res.StatusCode != 200 || gjson.Get(out, "choices.0.message.content").String() != "hi" || gjson.Get(out, "model").String() != "gpt-big" {
		t.Fatalf("got %d %s", res.StatusCode, out)
	}
	if rec := e.record(); !rec.OK() || !rec.Usage.Present() {
		t.Fatalf("record %+v", rec)
	}
}
