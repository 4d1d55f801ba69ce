package telemetry

import (
	"sync"
	"time"

	"github.com/fledgling-ai/fledgling/internal/bgprio"
	"github.com/fledgling-ai/fledgling/internal/capture"
)

// finisher builds the spans of finished calls on a goroutine of its own,
// in batches, instead of on the gateway's hand-off workers. Building a
// call's spans (reading its request, encoding content, two span snapshots)
// is most of tracing's CPU; done here, it runs at the lowest CPU priority
// with the export pipelines, and the threads that carry answers never wait
// behind it. Finish only appends the call to a buffer under a mutex and
// wakes this goroutine once per batch; nothing is dropped: when the buffer
// is at its bound, Finish builds the spans itself.
type finisher struct {
	build    func(finishJob)
	limit    int
	batch    int
	interval time.Duration
	low      bool

	mu     sync.Mutex
	buf    []finishJob
	free   []finishJob
	closed bool // after close, callers build their own spans

	runMu     sync.Mutex // one drain at a time, so spans leave in call order
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// finishJob is one call whose spans are still to be built.
type finishJob struct {
	st  *serverState
	rec *capture.Record // nil for a call that ended without one
	end time.Time       // when Finish was called
}

// Finisher batching: a wake-up per finishBatch calls, and at least every
// finishInterval, so spans reach the export queues within that time.
const (
	finishBatch    = 64
	finishInterval = 100 * time.Millisecond
)

func newFinisher(build func(finishJob), limit int, low bool) *finisher {
	f := &finisher{build: build, limit: limit, batch: min(finishBatch, limit), interval: finishInterval, low: low,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

// add queues j without waiting; at the bound it builds j in the caller.
func (f *finisher) add(j finishJob) {
	f.mu.Lock()
	n, inline := len(f.buf), f.closed || len(f.buf) >= f.limit
	if !inline {
		f.buf = append(f.buf, j)
	}
	f.mu.Unlock()
	switch {
	case inline:
		f.build(j)
	case n+1 == f.batch:
		select {
		case f.wake <- struct{}{}:
		default:
		}
	}
}

func (f *finisher) run() {
	if f.low {
		release, _ := bgprio.Lower() // best effort: where it fails, spans are built at normal priority
		defer release()
	}
	defer close(f.done)
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-f.wake:
		case <-t.C:
		case <-f.stop:
			f.drain()
			return
		}
		f.drain()
	}
}

// drain builds every call queued now.
func (f *finisher) drain() {
	f.runMu.Lock()
	defer f.runMu.Unlock()
	f.mu.Lock()
	jobs := f.buf
	f.buf, f.free = f.free[:0], nil
	f.mu.Unlock()
	for _, j := range jobs {
		f.build(j)
	}
	clear(jobs)
	f.mu.Lock()
	f.free = jobs[:0]
	f.mu.Unlock()
}

// Depth is the number of calls whose spans wait to be built.
func (f *finisher) Depth() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.buf)
}

// close builds what is queued and stops the goroutine.
func (f *finisher) close() {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		close(f.stop)
	})
	<-f.done
}
