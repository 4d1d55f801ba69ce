package telemetry

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
)

// splitExporter is a batchEncoder that notes the thread of each step.
type splitExporter struct {
	heldExporter
	mu                  sync.Mutex
	encodeTID, sendTIDs []int
	sendErr             error
	released            int
}

func (e *splitExporter) encodeParts(parts ...[]byte) ([]byte, func(), error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.encodeTID = append(e.encodeTID, unix.Gettid())
	return slices.Concat(parts...), func() { e.mu.Lock(); e.released++; e.mu.Unlock() }, nil
}

func (e *splitExporter) sendBatch(ctx context.Context, body []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sendTIDs = append(e.sendTIDs, unix.Gettid())
	return e.sendErr
}

// A low pipeline builds the deferred spans and encodes each batch on the
// idle-priority thread, and sends from elsewhere (a wait for the network
// must not hold that thread); a failed send is counted.
func TestLowPipelineEncodesOnTheIdleThreadAndSendsElsewhere(t *testing.T) {
	open := make(chan struct{})
	close(open) // ExportSpans, if used, returns at once
	exp := &splitExporter{heldExporter: heldExporter{hold: open}, sendErr: errors.New("503 for ever")}
	var beforeTID, failures atomic.Int64 // the pipeline's goroutine may export on its interval too
	p := newPipeline(exp, pipelineOptions{name: "test", ownOnly: true, queueSize: 10, batchSize: 4, interval: time.Hour,
		low: true, enc: exp, failed: func(error) { failures.Add(1) }, before: func() { beforeTID.Store(int64(unix.Gettid())) }})
	for range 2 { // two batches, each short of a full one (which would wake the pipeline's goroutine)
		for i := range 3 {
			p.OnEnd(stubSpan(string(rune('a' + i))))
		}
		if err := p.ForceFlush(context.Background()); err == nil {
			t.Fatal("ForceFlush: no error, want the send's")
		}
	}
	idle := bgprio.Thread()
	if b := int(beforeTID.Load()); idle == 0 || b != idle {
		t.Fatalf("spans built on thread %d, want the idle thread %d", b, idle)
	}
	exp.mu.Lock()
	defer exp.mu.Unlock()
	if len(exp.encodeTID) != 2 || exp.encodeTID[0] != idle || exp.encodeTID[1] != idle {
		t.Fatalf("batches encoded on threads %v, want 2 on the idle thread %d", exp.encodeTID, idle)
	}
	for _, tid := range exp.sendTIDs {
		if tid == idle {
			t.Fatalf("a batch was sent from the idle thread %d", idle)
		}
	}
	if len(exp.sendTIDs) != 2 || exp.released != 2 || failures.Load() != 2 {
		t.Fatalf("%d sends, %d releases, %d failures counted; want 2 each", len(exp.sendTIDs), exp.released, failures.Load())
	}
	if len(exp.batches) != 0 {
		t.Fatal("ExportSpans was used; want encodeParts and sendBatch")
	}
}
