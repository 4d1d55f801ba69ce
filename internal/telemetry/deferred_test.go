package telemetry

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Finish leaves the spans to the export: none exist when it returns, all
// of them (for every processor) once the destination is flushed, and the
// metrics are recorded at once.
func TestSpansAreBuiltAtExport(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	tel, reg := withRegistry(t, testConfig(rcv.srv.URL), Options{BatchInterval: time.Hour})
	rec := tracetest.NewSpanRecorder()
	tel.registerProcessor(rec)

	tel.Finish(tel.Start(ctx, httptest.NewRequest("POST", "/v1/chat/completions", nil)), chatRecord())
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans built by Finish; want them left to the export", n)
	}
	if d := tel.unbuilt.Depth(); d != 1 {
		t.Fatalf("%d calls waiting for their spans, want 1", d)
	}
	if got := gathered(t, reg); !strings.Contains(got, "gen_ai_client_operation_duration_seconds") ||
		!strings.Contains(got, `fledgling_queue_depth{queue="span_building"} 1`) {
		t.Fatalf("metrics of the call or the span_building queue missing:\n%s", got)
	}
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 2 {
		t.Fatalf("%d spans after the flush, want the SERVER and the CLIENT span", n)
	}
	if n := len(rcv.spans()); n != 2 {
		t.Fatalf("the destination received %d spans, want 2", n)
	}
	if d := tel.unbuilt.Depth(); d != 0 {
		t.Fatalf("%d calls still waiting after the flush", d)
	}
}

// A batch's worth of calls wakes the export without waiting for its
// interval.
func TestDeferredSpansWakeTheExportForABatch(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	tel, err := New(ctx, testConfig(rcv.srv.URL), Options{Providers: testProviders, BatchSize: 4, BatchInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(ctx)
	for range 2 { // 2 calls × 2 spans = one batch of 4
		tel.Finish(tel.Start(ctx, httptest.NewRequest("POST", "/v1/chat/completions", nil)), chatRecord())
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(rcv.spans()) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d spans exported; a full batch should have woken the export", len(rcv.spans()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A panic while one call's spans are built loses that call's spans only:
// the export goroutine lives on and the next calls are exported.
func TestAPanicBuildingSpansLosesOnlyThatCall(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t)
	tel, err := New(ctx, testConfig(rcv.srv.URL), Options{Providers: testProviders, BatchInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(ctx)
	tel.registerProcessor(&panicky{})
	for range 3 {
		tel.Finish(tel.Start(ctx, httptest.NewRequest("POST", "/v1/chat/completions", nil)), chatRecord())
	}
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	// The first call's CLIENT span reached Langfuse before the panic; its
	// SERVER span is lost; the other two calls are complete.
	if n := len(rcv.spans()); n != 5 {
		t.Fatalf("%d spans exported, want 5 (1 of the call that panicked, 2 of each other call)", n)
	}
}

// panicky panics on the first span it is given.
type panicky struct{ n int }

func (p *panicky) OnEnd(sdktrace.ReadOnlySpan) {
	if p.n++; p.n == 1 {
		panic("boom")
	}
}
func (*panicky) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (*panicky) Shutdown(context.Context) error                  { return nil }
func (*panicky) ForceFlush(context.Context) error                { return nil }
