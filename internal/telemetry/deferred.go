package telemetry

import (
	"runtime/debug"

	"github.com/fledgling-ai/fledgling/internal/capture"
)

// Spans are built where they are exported. Finish, in the gateway's
// handler once the answer has left, records the call's metrics and queues
// the call; the export goroutine has the queued calls' spans built just
// before it exports, for every destination at once (with
// server.background_priority "idle", on the process's idle-priority
// thread, bgprio.Do). Finish runs at normal CPU priority while requests
// are in flight (on hand-off workers, when this was measured), and
// building spans was most of its work. In four back-to-back runs of
// cmd/fledgling-bench -only capture -capture-variants off,on,infinish,aa,
// what tracing + capture add to the slowest 1 % of calls was +45.9, +33.9,
// +66.4 and +38.2 % of the gateway's own added latency with the spans built
// here, against +91.5, +51.8, +98.2 and +54.1 % with them built in Finish
// (Options.SpansInFinish) in the same runs, and lower in 7 of 8 more runs
// (docs/capture-overhead.md). Building them on an idle-priority goroutine of
// their own, woken every 64 calls, had made it worse; here no goroutine is
// added and the spans are built in the export's own wake-ups.

// spansPerCall is the fewest spans a call queued here yields (a SERVER span
// and one CLIENT span), for waking the export when a batch is due.
const spansPerCall = 2

// unbuiltCall is a finished call whose spans are not built yet.
type unbuiltCall struct {
	st  *serverState
	rec *capture.Record
}

// deferSpans queues the call's spans for the export goroutine and wakes it
// once a batch's worth is waiting.
func (t *Telemetry) deferSpans(st *serverState, rec *capture.Record) {
	n, ok := t.unbuilt.add(unbuiltCall{st: st, rec: rec})
	if ok && n == max(1, t.pipelines[0].batchSize/spansPerCall) {
		t.pipelines[0].kick()
	}
}

// buildDeferred builds the spans of the queued calls and hands them to
// every span processor. The pipelines call it before each export.
func (t *Telemetry) buildDeferred() {
	calls := t.unbuilt.take()
	for _, c := range calls {
		t.buildDeferredCall(c)
	}
	t.unbuilt.done(calls)
}

// buildDeferredCall builds one call's spans; a panic loses that call's
// spans, logged, and neither the others' nor the export goroutine.
func (t *Telemetry) buildDeferredCall(c unbuiltCall) {
	defer func() {
		if v := recover(); v != nil {
			t.log.Error("panic building the spans of a call", "request_id", c.rec.ID, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	rec, err := c.rec.Redacted()
	if err != nil { // never exported raw
		t.log.Error("spans of a call dropped", "err", err)
		return
	}
	t.buildSpans(c.st, rec)
}
