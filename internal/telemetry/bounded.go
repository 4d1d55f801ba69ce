package telemetry

import (
	"sync"
	"sync/atomic"
)

// bounded is a queue that never blocks: add appends under a mutex or, at
// its bound, drops and counts; take swaps the whole content out for the
// other buffer, which done hands back for reuse. The span pipelines buffer
// ended spans in one, the deferred span building its calls in another.
type bounded[T any] struct {
	mu      sync.Mutex
	items   []T
	free    []T // the other buffer, reused
	max     int
	dropped atomic.Uint64
}

// add queues v and returns the number queued, or false when full.
func (q *bounded[T]) add(v T) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) >= q.max {
		q.dropped.Add(1)
		return len(q.items), false
	}
	q.items = append(q.items, v)
	return len(q.items), true
}

// take empties the queue and returns what it held; hand the slice back with
// done.
func (q *bounded[T]) take() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items, q.free = q.free[:0], nil
	return items
}

// done returns a slice from take for reuse.
func (q *bounded[T]) done(items []T) {
	clear(items)
	q.mu.Lock()
	q.free = items[:0]
	q.mu.Unlock()
}

// Depth is the number of items queued.
func (q *bounded[T]) Depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// Dropped counts items dropped because the queue was full.
func (q *bounded[T]) Dropped() uint64 { return q.dropped.Load() }
