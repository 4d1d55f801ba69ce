package telemetry

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// pipeline is one export destination. Spans are handed over through a
// bounded channel: when it is full the span is dropped and counted, so
// ending a span never waits on an exporter. A goroutine feeds a blocking
// BatchSpanProcessor (which batches, retries and exports) from the channel.
type pipeline struct {
	name      string
	ownOnly   bool            // only spans of Fledgling's tracer (Langfuse)
	drop      map[string]bool // attributes this destination never receives
	ch        chan sdktrace.ReadOnlySpan
	next      sdktrace.SpanProcessor
	inflight  atomic.Int64
	dropped   atomic.Uint64
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
}

func newPipeline(exp sdktrace.SpanExporter, o pipelineOptions) *pipeline {
	p := &pipeline{name: o.name, ownOnly: o.ownOnly, drop: o.drop,
		ch: make(chan sdktrace.ReadOnlySpan, o.queueSize),
		next: sdktrace.NewBatchSpanProcessor(exp, sdktrace.WithBlocking(), sdktrace.WithMaxQueueSize(o.batchSize*2),
			sdktrace.WithMaxExportBatchSize(o.batchSize), sdktrace.WithBatchTimeout(o.interval), sdktrace.WithExportTimeout(10*time.Second)),
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *pipeline) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd enqueues without blocking; a full queue drops the span.
func (p *pipeline) OnEnd(s sdktrace.ReadOnlySpan) {
	if p.ownOnly && s.InstrumentationScope().Name != tracerName {
		return
	}
	if len(p.drop) > 0 {
		s = without(s, p.drop)
	}
	p.inflight.Add(1)
	select {
	case p.ch <- s:
	default:
		p.inflight.Add(-1)
		p.dropped.Add(1)
	}
}

func (p *pipeline) run() {
	defer close(p.done)
	for {
		select {
		case s := <-p.ch:
			p.next.OnEnd(s)
			p.inflight.Add(-1)
		case <-p.stop:
			for {
				select {
				case s := <-p.ch:
					p.next.OnEnd(s)
					p.inflight.Add(-1)
				default:
					return
				}
			}
		}
	}
}

// Depth is the number of spans waiting for the batch processor.
func (p *pipeline) Depth() int { return len(p.ch) }

// Dropped counts spans dropped because the queue was full.
func (p *pipeline) Dropped() uint64 { return p.dropped.Load() }

// ForceFlush waits until the queue has been handed over, then flushes the
// batch processor.
func (p *pipeline) ForceFlush(ctx context.Context) error {
	for p.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("flush %s spans: %w", p.name, ctx.Err())
		case <-p.done:
			return p.next.ForceFlush(ctx)
		case <-time.After(2 * time.Millisecond):
		}
	}
	return p.next.ForceFlush(ctx)
}

// Shutdown drains the queue into the batch processor and shuts it down.
func (p *pipeline) Shutdown(ctx context.Context) error {
	p.closeOnce.Do(func() { close(p.stop) })
	select {
	case <-p.done:
	case <-ctx.Done():
		return fmt.Errorf("shutdown %s spans: %w", p.name, ctx.Err())
	}
	return p.next.Shutdown(ctx)
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
