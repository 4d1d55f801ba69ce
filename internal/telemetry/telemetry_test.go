package telemetry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/fledgling-ai/fledgling/internal/capture"
	"github.com/fledgling-ai/fledgling/internal/config"
)

func testConfig(host string) config.Telemetry {
	cfg := config.Config{Telemetry: config.Telemetry{Langfuse: config.Langfuse{Host: host, PublicKey: "pk-lf-test", SecretKey: "sk-lf-test"}}}
	cfg.SetDefaults()
	return cfg.Telemetry
}

func newTestTelemetry(t *testing.T, cfg config.Telemetry) *Telemetry {
	t.Helper()
	tel, err := New(context.Background(), cfg, Options{Version: "1.2.3", Providers: testProviders, BatchInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tel.Shutdown(context.Background()) })
	return tel
}

// run drives Start and Finish for rec as the gateway does and returns the
// exported spans of that trace: the SERVER span and the CLIENT spans.
func run(t *testing.T, tel *Telemetry, rcv *receiver, rec *capture.Record, traceparent string) (*tracepb.Span, []*tracepb.Span) {
	t.Helper()
	req := httptest.NewRequest("POST", pathOf(rec.Kind), nil)
	req.Header.Set("Authorization", "Bearer fk-virtual-secret")
	if traceparent != "" {
		req.Header.Set("traceparent", traceparent)
	}
	ctx := tel.Start(context.Background(), req)
	traceID, _ := IDs(ctx)
	tel.Finish(ctx, rec)
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var server *tracepb.Span
	var clients []*tracepb.Span
	for _, s := range rcv.spans() {
		if hexID(s.TraceId) != traceID {
			continue
		}
		switch s.Kind {
		case tracepb.Span_SPAN_KIND_SERVER:
			server = s
		case tracepb.Span_SPAN_KIND_CLIENT:
			clients = append(clients, s)
		}
	}
	if server == nil {
		t.Fatalf("no SERVER span exported for %s", rec.ID)
	}
	return server, clients
}

func hexID(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestLangfuseExportCarriesHeadersGzipAndPath(t *testing.T) {
	rcv := newReceiver(t)
	tel := newTestTelemetry(t, testConfig(rcv.srv.URL))
	run(t, tel, rcv, chatRecord(), "")
	reqs := rcv.requests()
	if len(reqs) == 0 {
		t.Fatal("nothing exported")
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("pk-lf-test:sk-lf-test"))
	for _, r := range reqs {
		if r.path != "/api/public/otel/v1/traces" || r.header.Get("Authorization") != want ||
			r.header.Get("x-langfuse-ingestion-version") != "4" || !r.gzipped ||
			r.header.Get("Content-Type") != "application/x-protobuf" || r.header.Get("x-langfuse-sdk-name") != "fledgling" {
			t.Fatalf("export request: path %q gzip %v headers %v", r.path, r.gzipped, r.header)
		}
		for _, sc := range r.scopes {
			if sc != tracerName {
				t.Errorf("foreign scope %q reached Langfuse", sc)
			}
		}
	}
}

// withGeneric adds the generic OTLP exporter, content on, sending to its
// own receiver.
func withGeneric(t *testing.T, lf *receiver) (*Telemetry, *receiver) {
	generic := newReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", generic.srv.URL)
	cfg := testConfig(lf.srv.URL)
	cfg.OTLP.Enabled, cfg.OTLP.Content = true, true
	return newTestTelemetry(t, cfg), generic
}

// clientAttrs are the attributes of the only CLIENT span a receiver got.
func clientAttrs(t *testing.T, r *receiver) map[string]any {
	t.Helper()
	for _, s := range r.spans() {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT {
			return attrs(s)
		}
	}
	t.Fatal("no CLIENT span received")
	return nil
}

func TestNonStreamingChatSpans(t *testing.T) {
	rcv := newReceiver(t)
	tel, generic := withGeneric(t, rcv)
	parent := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	server, clients := run(t, tel, rcv, chatRecord(), parent)
	if hexID(server.TraceId) != "4bf92f3577b34da6a3ce929d0e0e4736" || hexID(server.ParentSpanId) != "00f067aa0ba902b7" {
		t.Fatalf("SERVER span is not a child of the caller's traceparent")
	}
	if len(clients) != 1 {
		t.Fatalf("%d CLIENT spans; want 1", len(clients))
	}
	c := clients[0]
	if c.Name != "chat gpt-4o-mini" || hexID(c.ParentSpanId) != hexID(server.SpanId) {
		t.Fatalf("client span %q parent %x", c.Name, c.ParentSpanId)
	}
	if got := time.Unix(0, int64(c.StartTimeUnixNano)).UTC(); !got.Equal(t0.Add(5 * time.Millisecond)) {
		t.Errorf("client span start %v; want the attempt's start", got)
	}
	if d := time.Duration(c.EndTimeUnixNano - c.StartTimeUnixNano); d != 790*time.Millisecond {
		t.Errorf("client span duration %v; want 790ms", d)
	}
	a := attrs(c)
	expect(t, a, map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
		"gen_ai.response.model": "gpt-4o-mini-2024-07-18", "gen_ai.response.id": "chatcmpl-1",
		"gen_ai.response.finish_reasons": []string{"stop"}, "gen_ai.request.temperature": 0.2, "gen_ai.request.top_p": 0.9,
		"gen_ai.request.max_tokens": int64(256), "gen_ai.request.seed": int64(7), "gen_ai.request.stop_sequences": []string{"\n\n"},
		"gen_ai.request.choice.count": int64(2), "gen_ai.output.type": "json",
		"gen_ai.usage.input_tokens": int64(120), "gen_ai.usage.output_tokens": int64(30),
		"gen_ai.usage.cache_read.input_tokens": int64(100), "gen_ai.usage.reasoning.output_tokens": int64(10),
		"server.address": "api.openai.com", "server.port": int64(443), "openai.api.type": "chat_completions",
		"gen_ai.conversation.id":    "sess-1",
		"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o-mini-2024-07-18",
		"langfuse.user.id": "user-7", "langfuse.session.id": "sess-1", "langfuse.trace.tags": []string{"prod"},
		"langfuse.trace.metadata.tenant": "acme", "langfuse.trace.metadata.key_id": "team-a",
		"langfuse.trace.name": "support", "langfuse.environment": "default", "langfuse.release": "1.2.3",
		"fledgling.attempt.retry": int64(0), "fledgling.attempt.fallback": int64(0),
	})
	for _, absent := range []string{"gen_ai.request.stream", "error.type", "langfuse.observation.completion_start_time"} {
		if _, ok := a[absent]; ok {
			t.Errorf("%s set on a successful non-streamed call", absent)
		}
	}
	expectJSON(t, a, "langfuse.observation.usage_details", `{"input":20,"input_cached_tokens":100,"output":20,"output_reasoning_tokens":10,"total":150}`)
	expectJSON(t, a, "langfuse.observation.cost_details", `{"total":0.001234}`)
	expectJSON(t, a, "langfuse.observation.model.parameters",
		`{"max_completion_tokens":256,"n":2,"response_format":"json_object","seed":7,"stop":["\n\n"],"temperature":0.2,"top_p":0.9}`)
	expectJSON(t, a, "langfuse.observation.output", `{"role":"assistant","content":"{\"hello\":\"world\"}"}`)
	expectJSON(t, a, "langfuse.observation.input", `[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"}]`)
	g := clientAttrs(t, generic)
	expectJSON(t, g, "gen_ai.system_instructions", `[{"type":"text","content":"Be brief."}]`)
	expectJSON(t, g, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Hi there"}]}]`)
	for k := range langfuseContentKeys {
		if _, ok := g[k]; ok {
			t.Errorf("generic backend got Langfuse's copy of the content (%s)", k)
		}
	}
	for k := range semconvContentKeys {
		if _, ok := a[k]; ok {
			t.Errorf("Langfuse got the semconv copy of the content (%s)", k)
		}
	}
	sa := attrs(server)
	expect(t, sa, map[string]any{"http.response.status_code": int64(200), "langfuse.user.id": "user-7",
		"fledgling.route": "support", "http.request.method": "POST", "url.path": "/v1/chat/completions",
		"fledgling.request_id": "req-chat", "fledgling.upstream_request_id": "req_openai_1"})
	if _, ok := sa["langfuse.observation.input"]; !ok {
		t.Error("root span lacks the overall input (Langfuse v4 reads it from the root observation)")
	}
}

func TestStreamingChatSpans(t *testing.T) {
	rcv := newReceiver(t)
	tel := newTestTelemetry(t, testConfig(rcv.srv.URL))
	_, clients := run(t, tel, rcv, streamRecord(), "")
	a := attrs(clients[0])
	expect(t, a, map[string]any{"gen_ai.request.stream": true, "gen_ai.response.time_to_first_chunk": 0.14,
		"langfuse.observation.completion_start_time": t0.Add(145 * time.Millisecond).Format(time.RFC3339Nano)})
	expectJSON(t, a, "langfuse.observation.output", `{"role":"assistant","content":"Once upon a time."}`)
	expectJSON(t, a, "langfuse.observation.model.parameters", `{"stream":true}`)
}

func TestToolCallSpans(t *testing.T) {
	rcv := newReceiver(t)
	tel, generic := withGeneric(t, rcv)
	_, clients := run(t, tel, rcv, toolRecord(), "")
	a := attrs(clients[0])
	g := clientAttrs(t, generic)
	expect(t, a, map[string]any{"gen_ai.response.finish_reasons": []string{"tool_calls"}})
	expectJSON(t, a, "langfuse.observation.output",
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`)
	expectJSON(t, g, "gen_ai.output.messages",
		`[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_calls"}]`)
	expectJSON(t, g, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},`+
		`{"role":"assistant","parts":[{"type":"tool_call","id":"call_0","name":"get_weather","arguments":{"city":"Lyon"}}]},`+
		`{"role":"tool","parts":[{"type":"tool_call_response","id":"call_0","result":"rainy"}]}]`)
	expectJSON(t, g, "gen_ai.tool.definitions", `[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]`)
	if in, _ := a["langfuse.observation.input"].(string); !strings.Contains(in, `"tools":[`) {
		t.Errorf("Langfuse input lacks the tools: %s", in)
	}
}

func TestEmbeddingSpans(t *testing.T) {
	rcv := newReceiver(t)
	tel := newTestTelemetry(t, testConfig(rcv.srv.URL))
	_, clients := run(t, tel, rcv, embeddingRecord(), "")
	if len(clients) != 1 || clients[0].Name != "embeddings text-embedding-3-small" {
		t.Fatalf("embedding client spans: %v", clients)
	}
	a := attrs(clients[0])
	expect(t, a, map[string]any{"gen_ai.operation.name": "embeddings", "langfuse.observation.type": "embedding",
		"gen_ai.request.encoding_formats": []string{"base64"}, "gen_ai.embeddings.dimension.count": int64(256),
		"gen_ai.usage.input_tokens": int64(8), "langfuse.trace.name": "search"})
	expectJSON(t, a, "langfuse.observation.input", `["hello world"]`)
	expectJSON(t, a, "langfuse.observation.usage_details", `{"input":8,"total":8}`)
	if _, ok := a["langfuse.observation.output"]; ok {
		t.Error("embedding vectors must never be exported")
	}
}

func TestErrorSpansCarryPerAttemptRetryAndFallback(t *testing.T) {
	rcv := newReceiver(t)
	tel := newTestTelemetry(t, testConfig(rcv.srv.URL))
	server, clients := run(t, tel, rcv, errorRecord(), "")
	if len(clients) != 3 {
		t.Fatalf("%d CLIENT spans; want one per attempt (3)", len(clients))
	}
	byIndex := map[int64]*tracepb.Span{}
	for _, c := range clients {
		byIndex[attrs(c)["fledgling.attempt.index"].(int64)] = c
	}
	first, retry, fallback := attrs(byIndex[0]), attrs(byIndex[1]), attrs(byIndex[2])
	expect(t, first, map[string]any{"error.type": "upstream_5xx", "http.response.status_code": int64(503), "langfuse.observation.level": "ERROR"})
	expect(t, retry, map[string]any{"fledgling.attempt.retry": int64(1), "http.request.resend_count": int64(1), "error.type": "upstream_5xx"})
	expect(t, fallback, map[string]any{"fledgling.attempt.fallback": int64(1), "gen_ai.request.model": "qwen2.5-1.5b",
		"server.address": "127.0.0.1", "server.port": int64(8000), "error.type": "upstream_timeout",
		"langfuse.observation.status_message": "upstream timed out after 30s", "fledgling.attempt.final": true})
	if byIndex[2].Name != "chat qwen2.5-1.5b" {
		t.Errorf("fallback span name %q", byIndex[2].Name)
	}
	for i, c := range clients {
		if c.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("attempt %d: status %v; want ERROR", i, c.Status)
		}
		if _, ok := attrs(c)["langfuse.observation.output"]; ok {
			t.Errorf("attempt %d: failed attempt has an output", i)
		}
	}
	if server.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || attrs(server)["error.type"] != "upstream_timeout" {
		t.Errorf("server span status %v attrs %v", server.Status, attrs(server))
	}
}

func TestGenericOTLPExporterOmitsContentByDefault(t *testing.T) {
	lf, generic := newReceiver(t), newReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", generic.srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=blue")
	cfg := testConfig(lf.srv.URL)
	cfg.OTLP.Enabled = true
	tel := newTestTelemetry(t, cfg)
	run(t, tel, lf, toolRecord(), "")
	spans := generic.spans()
	if len(spans) == 0 {
		t.Fatal("generic exporter received nothing")
	}
	r := generic.requests()[0]
	if r.path != "/v1/traces" || r.header.Get("x-tenant") != "blue" || r.header.Get("Authorization") != "" {
		t.Errorf("generic export: path %q headers %v", r.path, r.header)
	}
	for _, s := range spans {
		a := attrs(s)
		for k := range contentKeys {
			if _, ok := a[k]; ok {
				t.Errorf("span %q carries content %s on the generic exporter", s.Name, k)
			}
		}
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && a["gen_ai.usage.input_tokens"] != int64(120) {
			t.Errorf("non-content attributes missing: %v", a)
		}
	}
	// ...while Langfuse, with content on, got it.
	for _, s := range lf.spans() {
		if s.Kind == tracepb.Span_SPAN_KIND_CLIENT && attrs(s)["langfuse.observation.output"] == nil {
			t.Error("Langfuse span lacks content")
		}
	}
}

func TestContentIsTruncatedToValidJSON(t *testing.T) {
	rcv := newReceiver(t)
	cfg := testConfig(rcv.srv.URL)
	cfg.MaxContentBytes = 300
	tel := newTestTelemetry(t, cfg)
	rec := chatRecord()
	rec.Request = json.RawMessage(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"` + strings.Repeat("é", 2000) + `"}]}`)
	_, clients := run(t, tel, rcv, rec, "")
	in, _ := attrs(clients[0])["langfuse.observation.input"].(string)
	if len(in) > 300 || !json.Valid([]byte(in)) || !strings.Contains(in, truncMark) || !strings.Contains(in, `"role":"user"`) {
		t.Fatalf("truncated input (%d bytes) invalid or structure lost: %s", len(in), in)
	}
}

func TestTruncateJSONFallsBackToSummaryWhenStructureCannotFit(t *testing.T) {
	doc := "[" + strings.Repeat(`{"a":1},`, 200) + `{"a":1}]`
	out := truncateJSON(doc, 256)
	if len(out) > 256 || !json.Valid([]byte(out)) || !strings.Contains(out, `"truncated":true`) {
		t.Fatalf("got %d bytes: %s", len(out), out)
	}
}

func TestExportNeverBlocksAndDropsAreCounted(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1") // nothing listens: exports fail slowly
	tel, err := New(context.Background(), cfg, Options{QueueSize: 4, BatchSize: 1, BatchInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	start := time.Now()
	for i := 0; i < 200; i++ {
		ctx := tel.Start(context.Background(), httptest.NewRequest("POST", "/v1/chat/completions", nil))
		tel.Finish(ctx, chatRecord())
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("200 calls took %v with a dead exporter: the request path blocked", el)
	}
	if tel.Dropped() == 0 {
		t.Fatal("no drops counted although the queue (4) was far smaller than the spans (400)")
	}
}

func expect(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("attribute %s missing (want %v)", k, w)
			continue
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Errorf("attribute %s = %s; want %s", k, gj, wj)
		}
	}
}

func expectJSON(t *testing.T, got map[string]any, key, want string) {
	t.Helper()
	s, ok := got[key].(string)
	if !ok {
		t.Errorf("attribute %s missing", key)
		return
	}
	var g, w any
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		t.Errorf("%s is not JSON: %v: %s", key, err, s)
		return
	}
	json.Unmarshal([]byte(want), &w)
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if string(gj) != string(wj) {
		t.Errorf("%s = %s; want %s", key, gj, wj)
	}
}

func TestCutStreamKeepsPartialOutputAndIsAnError(t *testing.T) {
	rcv := newReceiver(t)
	tel := newTestTelemetry(t, testConfig(rcv.srv.URL))
	rec := streamRecord()
	rec.Truncated, rec.ErrorClass, rec.ErrorMessage = true, "client_cancelled", "client went away mid-stream"
	rec.Response.Content, rec.Response.FinishReason = "Once upon", ""
	server, clients := run(t, tel, rcv, rec, "")
	a := attrs(clients[0])
	expect(t, a, map[string]any{"error.type": "client_cancelled", "langfuse.observation.level": "ERROR",
		"langfuse.observation.status_message": "client went away mid-stream"})
	expectJSON(t, a, "langfuse.observation.output", `{"role":"assistant","content":"Once upon"}`)
	if clients[0].Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || server.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("cut stream not marked as error: client %v server %v", clients[0].Status, server.Status)
	}
	if attrs(server)["fledgling.truncated"] != true {
		t.Error("server span lacks fledgling.truncated")
	}
}
