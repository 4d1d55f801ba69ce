package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func BenchmarkStartFinish(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	tel, err := New(context.Background(), testConfig(sink.URL), Options{Providers: testProviders, BatchInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx := tel.Start(context.Background(), req)
		tel.Finish(ctx, rec)
	}
	tel.ForceFlush(context.Background())
}

func BenchmarkStartFinishNoExport(b *testing.B) {
	tel, err := New(context.Background(), testConfig(""), Options{Providers: testProviders})
	if err != nil {
		b.Fatal(err)
	}
	tel.lfContent = true               // build the content as if Langfuse wanted it
	tel.registerProcessor(discarded{}) // and the spans, as if they went somewhere
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tel.Finish(tel.Start(context.Background(), req), rec)
	}
}

// BenchmarkStartFinishMetricsOnly is a gateway with no span destination:
// Finish records the metrics and builds no spans.
func BenchmarkStartFinishMetricsOnly(b *testing.B) {
	tel, err := New(context.Background(), testConfig(""), Options{Providers: testProviders})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tel.Finish(tel.Start(context.Background(), req), rec)
	}
}

// discarded is a span processor that drops what it is given.
type discarded struct{}

func (discarded) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discarded) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discarded) Shutdown(context.Context) error                  { return nil }
func (discarded) ForceFlush(context.Context) error                { return nil }

// BenchmarkSpansBuiltEncodedAndSent is everything tracing costs a call with
// Langfuse as the destination, in one goroutine: Start and Finish, building
// the spans, encoding them, and every 256 calls the gzip and the POST of a
// batch (to a sink that discards it).
func BenchmarkSpansBuiltEncodedAndSent(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	tel, err := New(context.Background(), testConfig(sink.URL), Options{Providers: testProviders, SpansInFinish: true,
		BatchSize: 512, BatchInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tel.Finish(tel.Start(context.Background(), req), rec)
		if i%256 == 255 {
			tel.ForceFlush(context.Background())
		}
	}
	tel.ForceFlush(context.Background())
}
