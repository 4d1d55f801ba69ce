package gateway

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// handoff runs each finished call's background work (redaction, metrics,
// queueing the call for its spans and its capture, shadow) on a few
// long-lived workers fed by a bounded queue.
//
// Two things keep that work out of the answers' way. First, the workers
// live on: a goroutine per call would grow its stack again through the span
// and encoding code on every call, and start cold. Second, a worker that
// was idle waits a short settle time before it starts: the job is queued
// while the response is still leaving, and Go runs a goroutine woken at that
// moment on the same processor as soon as the handler returns, ahead of the
// goroutines that carry the response to the client. Measured at 1000 req/s
// on two cores, 100 µs of background work started at once added ~170 µs to
// the median call, more than its own length; started after a settle time,
// a fraction of that (cmd/fledgling-bench -only capture prints both). Jobs
// that queue during the settle time run together, and while jobs keep
// coming the worker wakes itself every settle time to run them, so that a
// busy gateway's requests only drop jobs into the queue and never wake it
// (back to back, this saved 6–15 µs of CPU a call and lowered the median).
//
// The request path never waits: when the queue is full the job runs on a
// goroutine of its own and is counted as overflow, so nothing is dropped.
// Workers leave after idling, so an idle gateway holds none.
type handoff struct {
	jobs     chan func()
	wake     chan struct{} // a job arrived while a worker may be waiting
	max      int32
	workers  atomic.Int32
	overflow atomic.Uint64
	pending  *sync.WaitGroup // every submitted job until it has run
	settle   time.Duration
	idle     time.Duration
}

const (
	// handoffQueue bounds the jobs waiting for a worker.
	handoffQueue = 4096
	// DefaultHandoffSettle is how long a woken worker lets the response
	// that queued the job leave before it starts.
	DefaultHandoffSettle = time.Millisecond
	// handoffBacklog is the queue length beyond which another worker
	// starts (up to GOMAXPROCS).
	handoffBacklog = 64
	// handoffIdle is how long a worker waits for a job before it leaves.
	handoffIdle = 2 * time.Second
)

// newHandoff builds the pool; settle 0 means DefaultHandoffSettle and a
// negative settle starts jobs at once.
func newHandoff(pending *sync.WaitGroup, settle time.Duration) *handoff {
	switch {
	case settle == 0:
		settle = DefaultHandoffSettle
	case settle < 0:
		settle = 0
	}
	return &handoff{jobs: make(chan func(), handoffQueue), wake: make(chan struct{}, 1),
		max: int32(goruntime.GOMAXPROCS(0)), pending: pending, settle: settle, idle: handoffIdle}
}

// submit queues job for a worker; it never blocks.
func (h *handoff) submit(job func()) {
	h.pending.Add(1)
	select {
	case h.jobs <- job:
	default:
		h.overflow.Add(1)
		go h.run(job)
		return
	}
	select {
	case h.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	h.ensureWorker()
}

// ensureWorker starts a worker when none runs, or another one (up to max)
// when a backlog has built up behind the running ones.
func (h *handoff) ensureWorker() {
	for {
		n := h.workers.Load()
		if n >= h.max || (n > 0 && len(h.jobs) <= handoffBacklog) {
			return
		}
		if h.workers.CompareAndSwap(n, n+1) {
			go h.work()
			return
		}
	}
}

func (h *handoff) work() {
	t := time.NewTimer(h.idle)
	defer t.Stop()
	for {
		select {
		case <-h.wake:
			for { // until a settle time passes without a job
				if h.settle > 0 {
					time.Sleep(h.settle)
				}
				if h.drain() == 0 {
					break
				}
			}
			t.Reset(h.idle)
		case <-t.C:
			h.workers.Add(-1)
			if len(h.jobs) > 0 { // a job queued while this worker was leaving
				h.ensureWorker()
			}
			return
		}
	}
}

// drain runs queued jobs until the queue is empty and returns how many.
func (h *handoff) drain() int {
	for n := 0; ; n++ {
		select {
		case job := <-h.jobs:
			h.run(job)
		default:
			return n
		}
	}
}

func (h *handoff) run(job func()) {
	defer h.pending.Done()
	job()
}

// Depth is the number of jobs waiting for a worker.
func (h *handoff) Depth() int { return len(h.jobs) }

// Overflow counts jobs that found the queue full and ran on a goroutine of
// their own.
func (h *handoff) Overflow() uint64 { return h.overflow.Load() }
