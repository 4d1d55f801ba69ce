package telemetry

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// officialClient receives what the official OTLP exporter would send.
type officialClient struct{ got []*tracepb.ResourceSpans }

func (c *officialClient) Start(context.Context) error { return nil }
func (c *officialClient) Stop(context.Context) error  { return nil }
func (c *officialClient) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	c.got = append(c.got, rs...)
	return nil
}

// officialRequest is the request the official exporter builds for spans.
func officialRequest(t *testing.T, spans []sdktrace.ReadOnlySpan) *collectortrace.ExportTraceServiceRequest {
	t.Helper()
	c := &officialClient{}
	exp, err := otlptrace.New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	return &collectortrace.ExportTraceServiceRequest{ResourceSpans: c.got}
}

func ownRequest(t *testing.T, spans []sdktrace.ReadOnlySpan) *collectortrace.ExportTraceServiceRequest {
	t.Helper()
	var got collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(appendExportRequest(nil, spans), &got); err != nil {
		t.Fatalf("our encoding does not decode: %v", err)
	}
	return &got
}

// variedSpans covers every attribute type, events, links, status codes,
// remote and local parents and a second instrumentation scope.
func variedSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	rec := tracetest.NewSpanRecorder()
	res := resource.NewSchemaless(attribute.String("service.name", "fledgling"), attribute.Int("pid", 42))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(res))
	defer tp.Shutdown(context.Background())
	all := []attribute.KeyValue{
		attribute.String("s", "héllo \"quoted\"\n"), attribute.String("empty", ""), attribute.Bool("t", true), attribute.Bool("f", false),
		attribute.Int64("zero", 0), attribute.Int64("neg", -7), attribute.Int64("big", math.MaxInt64), attribute.Float64("pi", 3.14159),
		attribute.Float64("nzero", 0), attribute.StringSlice("ss", []string{"a", "", "c"}), attribute.Int64Slice("is", []int64{1, -2}),
		attribute.Float64Slice("fs", []float64{0.5}), attribute.BoolSlice("bs", []bool{true, false}), attribute.StringSlice("none", nil),
		attribute.String("long", string(make([]byte, 300))),
	}
	remote := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5},
		TraceFlags: trace.FlagsSampled, Remote: true})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), remote)
	tr := tp.Tracer("fledgling", trace.WithInstrumentationVersion("1.0.0"))
	ctx, server := tr.Start(ctx, "POST /v1/chat/completions", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(all...))
	_, client := tr.Start(ctx, "chat gpt-4o", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(time.Unix(1700000000, 123)), trace.WithLinks(trace.Link{SpanContext: remote, Attributes: all[:3]}))
	client.AddEvent("retry", trace.WithAttributes(attribute.Int("attempt", 2)), trace.WithTimestamp(time.Unix(1700000001, 0)))
	client.SetStatus(codes.Error, "upstream 503")
	client.End(trace.WithTimestamp(time.Unix(1700000002, 0)))
	server.SetStatus(codes.Ok, "")
	server.End()
	_, other := tp.Tracer("other-lib").Start(context.Background(), "internal", trace.WithSpanKind(trace.SpanKindInternal))
	other.End()
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans recorded", len(spans))
	}
	return spans
}

func TestOwnEncodingEqualsTheOfficialExporters(t *testing.T) {
	spans := variedSpans(t)
	want, got := officialRequest(t, spans), ownRequest(t, spans)
	if !proto.Equal(want, got) {
		t.Fatalf("encodings differ:\nofficial %v\nours     %v", want, got)
	}
	// Single spans too (one resource, one scope each).
	for _, s := range spans {
		one := []sdktrace.ReadOnlySpan{s}
		if w, g := officialRequest(t, one), ownRequest(t, one); !proto.Equal(w, g) {
			t.Fatalf("span %q encodings differ:\nofficial %v\nours     %v", s.Name(), w, g)
		}
	}
}

// The spans Finish builds for real records (with the Langfuse content) are
// encoded exactly as the official exporter would encode them.
func TestOwnEncodingOfFinishedCallsEqualsTheOfficialExporters(t *testing.T) {
	tel := newTestTelemetry(t, testConfig(""))
	tel.lfContent = true
	rec := tracetest.NewSpanRecorder()
	tel.registerProcessor(rec)
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	for _, r := range []*capture.Record{chatRecord(), streamRecord(), toolRecord()} {
		tel.Finish(tel.Start(context.Background(), req), r)
	}
	spans := rec.Ended()
	if len(spans) != 6 {
		t.Fatalf("%d spans", len(spans))
	}
	if want, got := officialRequest(t, spans), ownRequest(t, spans); !proto.Equal(want, got) {
		t.Fatalf("encodings differ:\nofficial %v\nours     %v", want, got)
	}
}

func TestOTLPHTTPRetriesThrottlingAndGivesUpOnABadRequest(t *testing.T) {
	var calls atomic.Int32
	status := []int{503, 429, 200}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Type") != "application/x-protobuf" || r.Header.Get("X-Test") != "1" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(status[min(int(n)-1, len(status)-1)])
	}))
	defer srv.Close()
	exp := newOTLPHTTP(srv.URL, map[string]string{"X-Test": "1"}, time.Second)
	spans := variedSpans(t)
	start := time.Now()
	if err := exp.ExportSpans(context.Background(), spans); err != nil {
		t.Fatalf("export after two retryable failures: %v", err)
	}
	if calls.Load() != 3 || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("%d calls; backoff between them not applied", calls.Load())
	}
	status, _ = []int{400}, calls.Swap(0)
	if err := exp.ExportSpans(context.Background(), spans); err == nil || calls.Load() != 1 {
		t.Fatalf("400: err %v after %d calls, want a final error after one", err, calls.Load())
	}
	status, _ = []int{503}, calls.Swap(0)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := exp.ExportSpans(ctx, spans); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("503 until the deadline: err %v", err)
	}
}

// CLIENT spans are built complete and handed to the processors without the
// SDK's de-duplication: no span of a finished call may carry a key twice,
// and each CLIENT span is a child of its call's SERVER span, in the same
// trace, scope and resource, with a span id of its own.
func TestFinishedSpansHaveNoDuplicateKeys(t *testing.T) {
	tel := newTestTelemetry(t, testConfig(""))
	tel.lfContent, tel.semContent = true, true
	rec := tracetest.NewSpanRecorder()
	tel.registerProcessor(rec)
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	for _, r := range []*capture.Record{chatRecord(), streamRecord(), toolRecord(), embeddingRecord(), errorRecord()} {
		tel.Finish(tel.Start(context.Background(), req), r)
	}
	servers := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	ids := map[trace.SpanID]bool{}
	for _, s := range rec.Ended() {
		seen := map[attribute.Key]bool{}
		for _, kv := range s.Attributes() {
			if seen[kv.Key] {
				t.Errorf("span %q carries %s twice", s.Name(), kv.Key)
			}
			seen[kv.Key] = true
		}
		if ids[s.SpanContext().SpanID()] {
			t.Errorf("span id %s used twice", s.SpanContext().SpanID())
		}
		ids[s.SpanContext().SpanID()] = true
		if s.SpanKind() == trace.SpanKindServer {
			servers[s.SpanContext().SpanID()] = s
		}
	}
	clients := 0
	for _, s := range rec.Ended() {
		if s.SpanKind() != trace.SpanKindClient {
			continue
		}
		clients++
		srv, ok := servers[s.Parent().SpanID()]
		switch {
		case !ok:
			t.Errorf("CLIENT span %q has no SERVER parent", s.Name())
		case srv.SpanContext().TraceID() != s.SpanContext().TraceID() || !s.SpanContext().IsSampled():
			t.Errorf("CLIENT span %q: trace or flags differ from its SERVER span", s.Name())
		case srv.InstrumentationScope() != s.InstrumentationScope() || srv.Resource() != s.Resource():
			t.Errorf("CLIENT span %q: scope or resource differ from its SERVER span", s.Name())
		}
	}
	if len(servers) != 5 || clients != 7 { // the error record made three attempts
		t.Fatalf("%d SERVER and %d CLIENT spans; want 5 and 7", len(servers), clients)
	}
}

// Finish without Start (a call traced after the fact) still emits the
// SERVER span and one CLIENT span per attempt, children of it.
func TestFinishWithoutStartEmitsEverySpan(t *testing.T) {
	tel := newTestTelemetry(t, testConfig(""))
	rec := tracetest.NewSpanRecorder()
	tel.registerProcessor(rec)
	tel.Finish(context.Background(), errorRecord())
	var server sdktrace.ReadOnlySpan
	var clients []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			server = s
		} else {
			clients = append(clients, s)
		}
	}
	if server == nil || len(clients) != 3 {
		t.Fatalf("SERVER %v, %d CLIENT spans; want one and 3", server != nil, len(clients))
	}
	for _, c := range clients {
		if c.Parent().SpanID() != server.SpanContext().SpanID() || c.SpanContext().TraceID() != server.SpanContext().TraceID() {
			t.Fatalf("CLIENT span %q is not a child of the SERVER span", c.Name())
		}
	}
}
