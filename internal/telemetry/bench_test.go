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

// sinkTelemetry is a Telemetry exporting to a Langfuse stand-in that
// discards what it is sent.
func sinkTelemetry(b *testing.B, opt Options) *Telemetry {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	b.Cleanup(sink.Close)
	opt.Providers = testProviders
	tel, err := New(context.Background(), testConfig(sink.URL), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tel.Shutdown(context.Background()) })
	return tel
}

// BenchmarkStartFinish is the request path's part of tracing (Start, and
// Finish's metrics and queueing) with the export running beside it. A loop
// of nothing but calls saturates the export, which drops most of them
// (dropped/op); the more calls it builds, the more it competes with the
// loop, so compare ns/op only at a similar dropped/op.
func BenchmarkStartFinish(b *testing.B) {
	tel := sinkTelemetry(b, Options{BatchInterval: 100 * time.Millisecond})
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	rec := toolRecord()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx := tel.Start(context.Background(), req)
		tel.Finish(ctx, rec)
	}
	tel.ForceFlush(context.Background())
	b.ReportMetric(float64(tel.Dropped())/float64(b.N), "dropped/op")
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
	tel := sinkTelemetry(b, Options{SpansInFinish: true, BatchSize: 512, BatchInterval: time.Hour})
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
