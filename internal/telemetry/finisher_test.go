package telemetry

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Finish leaves span building to the finisher: the caller returns with the
// spans still queued, and they are built within the finisher's interval
// without anyone flushing.
func TestFinishQueuesSpansAndTheFinisherBuildsThem(t *testing.T) {
	tel := newTestTelemetry(t, testConfig(""))
	rec := tracetest.NewSpanRecorder()
	tel.registerProcessor(rec)
	tel.fin.runMu.Lock() // hold the finisher off while Finish runs
	tel.Finish(tel.Start(context.Background(), httptest.NewRequest("POST", "/v1/chat/completions", nil)), chatRecord())
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans built on the caller's goroutine; want them queued", n)
	}
	if d := tel.fin.Depth(); d != 1 {
		t.Fatalf("finisher depth %d, want 1", d)
	}
	tel.fin.runMu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.Ended()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d spans after 5s; the finisher never built them", len(rec.Ended()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A finisher at its bound builds the call on the caller instead of
// dropping it, and so does one that has been shut down.
func TestFinisherNeverDrops(t *testing.T) {
	tel, err := New(context.Background(), testConfig(""), Options{QueueSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tel.registerProcessor(rec)
	req := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	tel.fin.runMu.Lock() // the finisher cannot drain: the buffer fills
	for i := 0; i < 10; i++ {
		tel.Finish(tel.Start(context.Background(), req), chatRecord())
	}
	if got := len(rec.Ended()); got != 2*7 {
		t.Fatalf("%d spans built inline with the buffer full; want 14 (7 calls beyond the bound of 3)", got)
	}
	tel.fin.runMu.Unlock()
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.Ended()); got != 2*10 {
		t.Fatalf("%d spans after shutdown; want 20", got)
	}
	tel.Finish(tel.Start(context.Background(), req), chatRecord())
	if got := len(rec.Ended()); got != 2*11 {
		t.Fatalf("%d spans after a call finished past shutdown; want 22", got)
	}
}
