package telemetry

import (
	"encoding/json"
	"time"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
	"github.com/fledgling-ai/fledgling/internal/openai"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var testProviders = map[string]config.Provider{
	"openai": {Type: "openai", BaseURL: "https://api.openai.com/v1"},
	"local":  {Type: "openai", BaseURL: "http://127.0.0.1:8000/v1"},
}

func usage(in, out, cached, reasoning int64) openai.Usage {
	return openai.Usage{Input: openai.Some(in), Output: openai.Some(out), CachedInput: openai.Some(cached), Reasoning: openai.Some(reasoning)}
}

// Realistic records of the five request shapes the gateway produces.

func chatRecord() *capture.Record {
	u := usage(120, 30, 100, 10)
	return &capture.Record{
		ID: "req-chat", UpstreamRequestID: "req_openai_1", Time: t0, Kind: capture.KindChat, Route: "support", KeyID: "team-a",
		User: "user-7", Session: "sess-1", Tags: []string{"prod"}, Metadata: map[string]string{"tenant": "acme"},
		RequestedModel: "gpt-4o-mini", TargetModel: "gpt-4o-mini", AnsweringModel: "gpt-4o-mini",
		UpstreamModel: "gpt-4o-mini-2024-07-18", Provider: "openai",
		Request: json.RawMessage(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"}],` +
			`"temperature":0.2,"top_p":0.9,"max_completion_tokens":256,"seed":7,"stop":["\n\n"],"n":2,"response_format":{"type":"json_object"}}`),
		Response: openai.Message{ID: "chatcmpl-1", Model: "gpt-4o-mini-2024-07-18", Content: `{"hello":"world"}`, FinishReason: "stop", Usage: u},
		Usage:    u, Status: 200, Latency: 800 * time.Millisecond, CostMicros: 1234, Priced: true,
		Attempts: []capture.Attempt{{Model: "gpt-4o-mini", Provider: "openai", UpstreamModel: "gpt-4o-mini",
			Start: t0.Add(5 * time.Millisecond), Duration: 790 * time.Millisecond, Status: 200, Usage: u, CostMicros: 1234}},
	}
}

func streamRecord() *capture.Record {
	r := chatRecord()
	r.ID, r.Stream, r.TTFT = "req-stream", true, 150*time.Millisecond
	r.Request = json.RawMessage(`{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Tell me a story"}]}`)
	r.Response = openai.Message{ID: "chatcmpl-2", Model: "gpt-4o-mini-2024-07-18", Content: "Once upon a time.", FinishReason: "stop", Usage: r.Usage}
	r.Attempts[0].TTFT = 140 * time.Millisecond
	return r
}

func toolRecord() *capture.Record {
	r := streamRecord()
	r.ID = "req-tool"
	r.Request = json.RawMessage(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}}]},` +
		`{"role":"tool","tool_call_id":"call_0","content":"rainy"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"tool_choice":"auto"}`)
	r.Response = openai.Message{ID: "chatcmpl-3", Model: "gpt-4o-mini-2024-07-18", FinishReason: "tool_calls",
		ToolCalls: []openai.ToolCall{{ID: "call_1", Type: "function", Name: "get_weather", Arguments: `{"city":"Paris"}`}}}
	return r
}

func embeddingRecord() *capture.Record {
	u := openai.Usage{Input: openai.Some(8)}
	return &capture.Record{
		ID: "req-emb", Time: t0, Kind: capture.KindEmbedding, Route: "search",
		RequestedModel: "text-embedding-3-small", AnsweringModel: "text-embedding-3-small", UpstreamModel: "text-embedding-3-small",
		Provider: "openai", Request: json.RawMessage(`{"model":"text-embedding-3-small","input":["hello world"],"encoding_format":"base64","dimensions":256}`),
		Response: openai.Message{Model: "text-embedding-3-small", Usage: u}, Usage: u, Status: 200, Latency: 50 * time.Millisecond,
		CostMicros: 1, Priced: true,
	}
}

// errorRecord: a 503 and a retry on the primary, then a fallback that times out.
func errorRecord() *capture.Record {
	return &capture.Record{
		ID: "req-err", Time: t0, Kind: capture.KindChat, Route: "support",
		RequestedModel: "gpt-4o-mini", TargetModel: "gpt-4o-mini", Provider: "local",
		Request: json.RawMessage(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}`),
		Status:  504, ErrorClass: "upstream_timeout", ErrorMessage: "upstream timed out after 30s", Latency: 31 * time.Second,
		Attempts: []capture.Attempt{
			{Model: "gpt-4o-mini", Provider: "openai", UpstreamModel: "gpt-4o-mini", Start: t0, Duration: 100 * time.Millisecond, Status: 503, ErrorClass: "upstream_5xx"},
			{Model: "gpt-4o-mini", Provider: "openai", UpstreamModel: "gpt-4o-mini", Start: t0.Add(300 * time.Millisecond), Duration: 200 * time.Millisecond, Status: 503, ErrorClass: "upstream_5xx", Retry: 1},
			{Model: "small-1", Provider: "local", UpstreamModel: "qwen2.5-1.5b", Start: t0.Add(time.Second), Duration: 30 * time.Second, ErrorClass: "upstream_timeout", Fallback: 1},
		},
	}
}
