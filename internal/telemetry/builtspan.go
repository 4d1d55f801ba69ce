package telemetry

import (
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// builtSpan is one of Fledgling's spans, complete when it is built: a
// SERVER or CLIENT span written once the call is over. Its attributes live
// in scratch slices reused for the next span (spanScratch), so whoever
// keeps it past emitEnded copies it (snapshot).
type builtSpan struct {
	name       string
	sc, parent trace.SpanContext
	kind       trace.SpanKind
	start, end time.Time
	attrs      []attribute.KeyValue
	status     sdktrace.Status
}

func (s *builtSpan) SpanContext() trace.SpanContext   { return s.sc }
func (s *builtSpan) Parent() trace.SpanContext        { return s.parent }
func (s *builtSpan) Name() string                     { return s.name }
func (s *builtSpan) SpanKind() trace.SpanKind         { return s.kind }
func (s *builtSpan) StartTime() time.Time             { return s.start }
func (s *builtSpan) EndTime() time.Time               { return s.end }
func (s *builtSpan) Attributes() []attribute.KeyValue { return s.attrs }
func (s *builtSpan) DroppedAttributes() int           { return 0 }
func (s *builtSpan) Events() []sdktrace.Event         { return nil }
func (s *builtSpan) DroppedEvents() int               { return 0 }
func (s *builtSpan) Links() []sdktrace.Link           { return nil }
func (s *builtSpan) DroppedLinks() int                { return 0 }
func (s *builtSpan) Status() sdktrace.Status          { return s.status }

// emitEnded hands a span, complete when it is built, straight to the span
// processors. Fledgling writes its spans once the call is over, so the
// SDK's live-span machinery (a recording span, a copy of the attributes,
// their de-duplication and the snapshot at End) would only copy them three
// times: it was the largest cost of tracing a call, and it ran on the
// request path for the SERVER span. A destination that sends Fledgling's
// own encoding (Langfuse) encodes the span here, as it is
// (pipeline.endEncoded); the others, and the recorders of tests, get a
// read-only snapshot of it, which is what the SDK would have given them:
// the parent's trace and state, sampled (the provider samples always),
// Fledgling's instrumentation scope and resource, and attributes without
// duplicate keys (TestFinishedSpansHaveNoDuplicateKeys; the official
// exporter's encoding is checked against ours). A span without its own
// context gets a new span id in the parent's trace. The SDK's attribute
// limits (OTEL_SPAN_ATTRIBUTE_*) are not applied; content is bounded by
// telemetry.max_content_bytes.
func (t *Telemetry) emitEnded(s *builtSpan) {
	if !s.sc.IsValid() {
		s.sc = trace.NewSpanContext(trace.SpanContextConfig{TraceID: s.parent.TraceID(), SpanID: newSpanID(),
			TraceFlags: trace.FlagsSampled, TraceState: s.parent.TraceState()})
	}
	var snap sdktrace.ReadOnlySpan
	for _, p := range t.processors {
		if pl, ok := p.(*pipeline); ok && pl.takesEncoded() {
			pl.endEncoded(s)
			continue
		}
		if snap == nil {
			snap = t.snapshot(s)
		}
		p.OnEnd(snap)
	}
}

// snapshot is a read-only copy of s that outlives its scratch slices.
func (t *Telemetry) snapshot(s *builtSpan) sdktrace.ReadOnlySpan {
	return tracetest.SpanStub{Name: s.name, SpanContext: s.sc, Parent: s.parent, SpanKind: s.kind,
		StartTime: s.start, EndTime: s.end, Attributes: slices.Clone(s.attrs), Status: s.status, Resource: t.res,
		InstrumentationScope: t.scope}.Snapshot()
}

// spanScratch holds the attribute slices of the call whose spans are being
// built, kept from call to call: each span is encoded or copied as it is
// built, and a call's trace-level attributes are done with once its spans
// are. Allocating them afresh was most of what building a call's spans
// allocated (about 6 of 9.7 KB).
type spanScratch struct {
	span  builtSpan
	attrs []attribute.KeyValue // the span being built
	trace []attribute.KeyValue // the call's trace-level attributes
	body  fields               // the request's top-level fields
}

var scratchPool = sync.Pool{New: func() any {
	return &spanScratch{attrs: make([]attribute.KeyValue, 0, 64), body: make(fields, 0, 16)}
}}

// maxScratchAttrs bounds the slices a pooled scratch keeps.
const maxScratchAttrs = 1024

// release clears the scratch (its strings point into a record) and returns
// it to the pool.
func (sc *spanScratch) release() {
	clear(sc.attrs[:cap(sc.attrs)])
	clear(sc.trace[:cap(sc.trace)])
	clear(sc.body[:cap(sc.body)])
	sc.span = builtSpan{}
	if cap(sc.attrs) > maxScratchAttrs || cap(sc.trace) > maxScratchAttrs || cap(sc.body) > maxScratchAttrs {
		return
	}
	sc.attrs, sc.trace, sc.body = sc.attrs[:0], sc.trace[:0], sc.body[:0]
	scratchPool.Put(sc)
}
