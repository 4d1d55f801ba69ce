package telemetry

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// heldExporter records batches; while hold is open, an export waits.
type heldExporter struct {
	hold    chan struct{}
	mu      sync.Mutex
	batches [][]string
}

func (e *heldExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	<-e.hold
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches = append(e.batches, names)
	return nil
}

func (e *heldExporter) Shutdown(context.Context) error { return nil }

func stubSpan(name string) sdktrace.ReadOnlySpan {
	return tracetest.SpanStub{Name: name, InstrumentationScope: instrumentation.Scope{Name: tracerName}}.Snapshot()
}

// Ending spans never waits on a stuck exporter; past the bound spans are
// dropped and counted; what was kept is exported in order, in batches no
// larger than the batch size.
func TestPipelineBuffersWithoutBlockingAndExportsInOrderedBatches(t *testing.T) {
	exp := &heldExporter{hold: make(chan struct{})}
	p := newPipeline(exp, pipelineOptions{name: "test", ownOnly: true, queueSize: 10, batchSize: 4, interval: time.Hour})
	done := make(chan struct{})
	go func() {
		for i := 0; i < 4; i++ { // a full batch: the pipeline starts an export, which hangs
			p.OnEnd(stubSpan(fmt.Sprint(i)))
		}
		waitForDepth(p, 0)
		for i := 4; i < 30; i++ {
			p.OnEnd(stubSpan(fmt.Sprint(i)))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("OnEnd blocked behind a stuck exporter")
	}
	if got := p.Dropped(); got != 16 { // spans 14..29 found the buffer (10) full
		t.Fatalf("dropped %d, want 16", got)
	}
	p.OnEnd(tracetest.SpanStub{Name: "foreign"}.Snapshot()) // another tracer's span: not for Langfuse
	close(exp.hold)
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"0", "1", "2", "3"}, {"4", "5", "6", "7"}, {"8", "9", "10", "11"}, {"12", "13"}}
	if fmt.Sprint(exp.batches) != fmt.Sprint(want) {
		t.Fatalf("batches %v, want %v", exp.batches, want)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func waitForDepth(p *pipeline, n int) {
	for p.Depth() != n {
		time.Sleep(time.Millisecond)
	}
}
