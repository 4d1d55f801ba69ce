package gateway

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// handoff runs each finished call's background work (redaction, spans,
// capture, shadow) on a few long-lived workers fed by a bounded queue.
//
// A goroutine per call would do the same work, but each new goroutine grows
// its stack again through the span and encoding code (several µs of copying
// per call) and starts cold; long-lived workers keep a grown stack and warm
// caches. The request path never waits: when the queue is full the job runs
// on a goroutine of its own and is counted as overflow, so nothing is
// dropped. Workers leave after idling, so an idle gateway holds none.
type handoff struct {
	jobs     chan func()
	max      int32
	workers  atomic.Int32
	overflow atomic.Uint64
	pending  *sync.WaitGroup // every submitted job until it has run
	idle     time.Duration
}

// handoffQueue bounds the jobs waiting for a worker.
const handoffQueue = 4096

// handoffIdle is how long a worker waits for a job before it leaves.
const handoffIdle = 2 * time.Second

func newHandoff(pending *sync.WaitGroup) *handoff {
	return &handoff{jobs: make(chan func(), handoffQueue), max: int32(goruntime.GOMAXPROCS(0)),
		pending: pending, idle: handoffIdle}
}

// submit queues job for a worker; it never blocks.
func (h *handoff) submit(job func()) {
	h.pending.Add(1)
	select {
	case h.jobs <- job:
		h.ensureWorker()
	default:
		h.overflow.Add(1)
		go h.run(job)
	}
}

// ensureWorker starts a worker when none runs, or another one (up to max)
// when jobs are already waiting behind the running ones.
func (h *handoff) ensureWorker() {
	for {
		n := h.workers.Load()
		if n >= h.max || (n > 0 && len(h.jobs) <= 1) {
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
		case job := <-h.jobs:
			h.run(job)
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

func (h *handoff) run(job func()) {
	defer h.pending.Done()
	job()
}

// Depth is the number of jobs waiting for a worker.
func (h *handoff) Depth() int { return len(h.jobs) }

// Overflow counts jobs that found the queue full and ran on a goroutine of
// their own.
func (h *handoff) Overflow() uint64 { return h.overflow.Load() }
