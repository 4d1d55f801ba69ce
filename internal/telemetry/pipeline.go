package telemetry

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// pipeline is one export destination: it batches ended spans and exports
// them from one goroutine. Ending a span only appends it to a buffer under
// a mutex; it never waits on an exporter and never wakes a goroutine, except
// once per full batch. A buffer at its bound drops the span and counts it.
// (The SDK's BatchSpanProcessor woke its goroutine for every span, and a
// channel in front of it — needed so that ending a span never blocked — did
// the same once more: four goroutine wake-ups per call on two spans.)
type pipeline struct {
	name      string
	ownOnly   bool            // only spans of Fledgling's tracer (Langfuse)
	drop      map[string]bool // attributes this destination never receives
	exp       sdktrace.SpanExporter
	batchSize int
	interval  time.Duration
	low       bool         // build and encode on the process's idle-priority thread
	enc       batchEncoder // exp's encoder when it has one, else nil
	env       envelope     // with enc: the resource and scope around the encoded spans
	failed    func(error)  // counts a failed export that bypassed exp

	spans bounded[sdktrace.ReadOnlySpan] // ended, not yet taken for export (no enc)
	wire  wireQueue                      // ended and encoded, not yet exported (enc)

	before    func()     // builds the spans deferred to the export (deferred.go)
	exportMu  sync.Mutex // one export at a time, in order
	full      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type pipelineOptions struct {
	name      string
	ownOnly   bool
	drop      map[string]bool
	queueSize int
	batchSize int
	interval  time.Duration
	low       bool
	enc       batchEncoder
	env       envelope
	failed    func(error)
	before    func()
}

// exportTimeout bounds one export call.
const exportTimeout = 10 * time.Second

// newPipeline starts a destination's export goroutine. A destination whose
// exporter encodes for itself (o.enc) and takes only Fledgling's own spans
// (o.ownOnly) queues its spans encoded (wireQueue), under o.env.
func newPipeline(exp sdktrace.SpanExporter, o pipelineOptions) *pipeline {
	if !o.ownOnly {
		o.enc = nil // foreign spans would need their own resource and scope
	}
	p := &pipeline{name: o.name, ownOnly: o.ownOnly, drop: o.drop, exp: exp,
		batchSize: min(o.batchSize, o.queueSize), interval: o.interval, low: o.low, enc: o.enc, env: o.env, failed: o.failed, before: o.before,
		full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	p.spans.max, p.wire.max = o.queueSize, o.queueSize
	go p.run()
	return p
}

func (p *pipeline) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd buffers the span without blocking; a full buffer drops it.
func (p *pipeline) OnEnd(s sdktrace.ReadOnlySpan) {
	if p.ownOnly && s.InstrumentationScope().Name != tracerName {
		return
	}
	if p.enc != nil {
		p.endEncoded(s)
		return
	}
	if len(p.drop) > 0 {
		s = without(s, p.drop)
	}
	if n, ok := p.spans.add(s); ok && n == p.batchSize {
		p.kick()
	}
}

// endEncoded encodes one of Fledgling's spans into the queue without
// blocking; a full queue drops it.
func (p *pipeline) endEncoded(s spanData) {
	if n, ok := p.wire.add(s, p.drop); ok && n == p.batchSize {
		p.kick()
	}
}

// takesEncoded reports whether the pipeline queues spans encoded, so that
// Fledgling's own spans can be given to it as they are built (emitEnded).
func (p *pipeline) takesEncoded() bool { return p.enc != nil }

// kick wakes the export goroutine for a batch, unless it is already due.
func (p *pipeline) kick() {
	select {
	case p.full <- struct{}{}:
	default:
	}
}

// run exports a batch when one is full and everything buffered at each
// interval, until Shutdown.
func (p *pipeline) run() {
	defer close(p.done)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-p.full:
		case <-t.C:
		case <-p.stop:
			p.exportBuffered(context.Background())
			return
		}
		p.exportBuffered(context.Background())
	}
}

// exportBuffered exports everything buffered now, in batches, and reports
// the first error.
func (p *pipeline) exportBuffered(ctx context.Context) error {
	p.exportMu.Lock()
	defer p.exportMu.Unlock()
	if p.before != nil {
		p.lowered(p.before)
	}
	if p.enc != nil {
		return p.exportEncoded(ctx)
	}
	spans := p.spans.take()
	var first error
	for rest := spans; len(rest) > 0; {
		n := min(len(rest), p.batchSize)
		if err := p.exportBatch(ctx, rest[:n]); err != nil && first == nil {
			first = err
		}
		rest = rest[n:]
	}
	p.spans.done(spans)
	return first
}

func (p *pipeline) exportBatch(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	ctx, cancel := context.WithTimeout(ctx, exportTimeout)
	defer cancel()
	return p.exp.ExportSpans(ctx, spans)
}

// A batchEncoder compresses a batch apart from sending it (otlpHTTP), so
// that the compression runs on the idle-priority thread and the wait for
// the network, retries included, on the pipeline's own goroutine. The body
// stays valid until release; one batch is encoded and sent at a time.
type batchEncoder interface {
	encodeParts(parts ...[]byte) (body []byte, release func(), err error)
	sendBatch(ctx context.Context, body []byte) error
}

// exportEncoded exports the encoded spans queued now, in batches, and
// reports the first error.
func (p *pipeline) exportEncoded(ctx context.Context) error {
	buf, ends := p.wire.take()
	defer p.wire.done(buf, ends)
	var first error
	batches(buf, ends, p.batchSize, func(spans []byte) {
		if err := p.sendEncoded(ctx, spans); err != nil && first == nil {
			first = err
		}
	})
	return first
}

// sendEncoded wraps encoded spans in their request, compresses it (on the
// idle thread when the pipeline is low) and sends it from here.
func (p *pipeline) sendEncoded(ctx context.Context, spans []byte) error {
	ctx, cancel := context.WithTimeout(ctx, exportTimeout)
	defer cancel()
	head, tail := p.env.wrap(len(spans))
	var body []byte
	var release func()
	var err error
	p.lowered(func() { body, release, err = p.enc.encodeParts(head, spans, tail) })
	defer release()
	if err == nil {
		err = p.enc.sendBatch(ctx, body)
	}
	if err != nil && p.failed != nil {
		p.failed(err)
	}
	return err
}

// lowered runs f on the idle-priority thread when the pipeline is low,
// else here. Exporters without a batchEncoder (the official OTLP one)
// export from the pipeline's goroutine at normal priority; the spans they
// send were built on the idle thread all the same.
func (p *pipeline) lowered(f func()) {
	if p.low {
		bgprio.Do(f)
		return
	}
	f()
}

// Depth is the number of spans waiting for export.
func (p *pipeline) Depth() int { return p.spans.Depth() + p.wire.Depth() }

// Dropped counts spans dropped because the buffer was full.
func (p *pipeline) Dropped() uint64 { return p.spans.Dropped() + p.wire.Dropped() }

// ForceFlush exports everything ended so far.
func (p *pipeline) ForceFlush(ctx context.Context) error {
	if err := p.exportBuffered(ctx); err != nil {
		return fmt.Errorf("flush %s spans: %w", p.name, err)
	}
	return ctx.Err()
}

// Shutdown exports what is buffered and shuts the exporter down.
func (p *pipeline) Shutdown(ctx context.Context) error {
	p.closeOnce.Do(func() { close(p.stop) })
	select {
	case <-p.done:
	case <-ctx.Done():
		return fmt.Errorf("shutdown %s spans: %w", p.name, ctx.Err())
	}
	return p.exp.Shutdown(ctx)
}

// filteredSpan hides some attributes of a span.
type filteredSpan struct {
	sdktrace.ReadOnlySpan
	attrs []attribute.KeyValue
}

func (s filteredSpan) Attributes() []attribute.KeyValue { return s.attrs }

func without(s sdktrace.ReadOnlySpan, drop map[string]bool) sdktrace.ReadOnlySpan {
	all := s.Attributes()
	first := -1
	for i, kv := range all {
		if drop[string(kv.Key)] {
			first = i
			break
		}
	}
	if first < 0 { // nothing to hide: no copy
		return s
	}
	kept := make([]attribute.KeyValue, first, len(all)-1)
	copy(kept, all[:first])
	for _, kv := range all[first+1:] {
		if !drop[string(kv.Key)] {
			kept = append(kept, kv)
		}
	}
	return filteredSpan{ReadOnlySpan: s, attrs: kept}
}

// countingExporter counts and logs failed exports.
type countingExporter struct {
	sdktrace.SpanExporter
	onError func(error)
}

func (e countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		e.onError(err)
	}
	return err
}
