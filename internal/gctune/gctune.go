// Package gctune keeps the garbage collector's heap goal at or above a
// floor.
//
// A gateway's live heap is small (tens of MB) while it allocates steadily
// for every call (request bodies, records, spans), so with GOGC=100 it
// collects several times a second. Each cycle stops the world twice and
// takes a share of the CPU while it marks; on a small, shared VM a pause
// lasted 0.5–5 ms, and calls in flight then are the slowest 1 %. Tracing
// and capture allocate about half as much again per call as the proxying,
// so they add cycles (27 against 16 over the same 30,000 calls in one
// benchmark run). Raising the heap goal to a floor (256 MiB by default, at
// most a quarter of the process's memory limit) makes cycles rarer while
// the heap is small and changes nothing once the live heap is large: above
// floor/2 the goal is GOGC=100's own. This is what GOGC and GOMEMLIMIT
// tuning by hand would do; when either is set in the environment, the
// operator has chosen and the tuner stays off.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// basePercent is the GOGC that applies once the live heap is above half the
// floor (Go's default).
const basePercent = 100

// maxPercent bounds the GOGC the tuner sets for a nearly empty heap.
const maxPercent = 2000

// Tuner raises GOGC after each collection so that the next heap goal is at
// least the floor.
type Tuner struct {
	floor   uint64
	stopped atomic.Bool
	mu      sync.Mutex
	percent int
	sample  []metrics.Sample
}

// Start starts a tuner for floor bytes, at most a quarter of the memory the
// process may use (memoryLimit), and returns it, or nil when floor is 0 or
// GOGC / GOMEMLIMIT are set in the environment.
func Start(floor uint64) *Tuner {
	if floor == 0 || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	floor = capFloor(floor, memoryLimit(os.ReadFile))
	t := &Tuner{floor: floor, percent: -1, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.adjust()
	t.arm()
	return t
}

// Stop restores GOGC=100 and stops adjusting. Safe on a nil Tuner.
func (t *Tuner) Stop() {
	if t == nil || t.stopped.Swap(true) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	debug.SetGCPercent(basePercent)
	t.percent = basePercent
}

// Floor is the heap goal's floor in bytes, after the memory limit's cap.
func (t *Tuner) Floor() uint64 { return t.floor }

// Percent is the GOGC the tuner last set.
func (t *Tuner) Percent() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.percent
}

// sentinel is garbage as soon as it is made; its finalizer runs after the
// next collection, adjusts, and arms a new one. It holds a pointer, so the
// tiny allocator (whose objects may never be finalized) does not place it.
type sentinel struct {
	t *Tuner
	_ [2]uint64
}

func (t *Tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.stopped.Load() {
			return
		}
		s.t.adjust()
		s.t.arm()
	})
}

// adjust sets GOGC so that live × (1 + GOGC/100) ≥ floor.
func (t *Tuner) adjust() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped.Load() {
		return
	}
	metrics.Read(t.sample)
	p := percentFor(t.floor, t.sample[0].Value.Uint64())
	if p != t.percent {
		debug.SetGCPercent(p)
		t.percent = p
	}
}

// percentFor is the GOGC whose heap goal over a live heap of live bytes is
// at least floor, never below Go's default nor above maxPercent.
func percentFor(floor, live uint64) int {
	if live == 0 {
		return maxPercent
	}
	p := int(float64(floor)/float64(live)*100) - 100
	return min(max(p, basePercent), maxPercent)
}
