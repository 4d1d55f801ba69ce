package telemetry

import (
	"sync"
	"sync/atomic"
)

// wireQueue holds a destination's spans already encoded as OTLP Span
// messages, for an exporter that sends Fledgling's own encoding (Langfuse).
// A span is encoded once, when it is built, straight from its attributes:
// no snapshot of it is kept, and nothing reads it again before the export
// but the gzip writer. Like bounded, it never blocks; at its bound a span is
// dropped and counted; take swaps the content out for the other buffers,
// which done hands back for reuse.
type wireQueue struct {
	mu       sync.Mutex
	buf      []byte // encoded spans, one after another
	ends     []int  // where each span ends in buf
	freeBuf  []byte
	freeEnds []int
	max      int
	dropped  atomic.Uint64
}

// add encodes s, without the attributes in drop, and returns the number of
// spans queued, or false when full.
func (q *wireQueue) add(s spanData, drop map[string]bool) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ends) >= q.max {
		q.dropped.Add(1)
		return len(q.ends), false
	}
	q.buf = appendSpan(q.buf, s, drop)
	q.ends = append(q.ends, len(q.buf))
	return len(q.ends), true
}

// take empties the queue and returns its spans; hand them back with done.
func (q *wireQueue) take() (buf []byte, ends []int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	buf, ends = q.buf, q.ends
	q.buf, q.ends = q.freeBuf[:0], q.freeEnds[:0]
	q.freeBuf, q.freeEnds = nil, nil
	return buf, ends
}

// done returns take's buffers for reuse, unless an unusual burst grew them
// past maxPooledBytes.
func (q *wireQueue) done(buf []byte, ends []int) {
	if cap(buf) > maxPooledBytes {
		buf = nil
	}
	q.mu.Lock()
	q.freeBuf, q.freeEnds = buf[:0], ends[:0]
	q.mu.Unlock()
}

// Depth is the number of spans queued.
func (q *wireQueue) Depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ends)
}

// Dropped counts spans dropped because the queue was full.
func (q *wireQueue) Dropped() uint64 { return q.dropped.Load() }

// batches calls f with each run of at most n spans of buf, in order.
func batches(buf []byte, ends []int, n int, f func(spans []byte)) {
	start := 0
	for len(ends) > 0 {
		k := min(n, len(ends))
		end := ends[k-1]
		f(buf[start:end])
		start, ends = end, ends[k:]
	}
}
