package gateway

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every job runs exactly once: on a worker while the queue has room, on a
// goroutine of its own (counted as overflow) when it is full. Workers leave
// when idle and come back for the next job.
func TestHandoffRunsEveryJobOnceAndNeverBlocks(t *testing.T) {
	for _, settle := range []time.Duration{-1, time.Millisecond} {
		t.Run(settle.String(), func(t *testing.T) { testHandoff(t, settle) })
	}
}

func testHandoff(t *testing.T, settle time.Duration) {
	var pending sync.WaitGroup
	h := newHandoff(&pending, settle)
	h.jobs = make(chan func(), 4)
	h.max, h.idle = 2, 20*time.Millisecond

	release := make(chan struct{})
	var ran atomic.Int64
	const n = 50
	submitted := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			h.submit(func() { <-release; ran.Add(1) })
		}
		close(submitted)
	}()
	select {
	case <-submitted: // all 50 submitted while every job is held: submit never waited
	case <-time.After(10 * time.Second):
		t.Fatal("submit blocked behind held jobs")
	}
	if h.Overflow() == 0 {
		t.Fatal("a full queue should have sent jobs to their own goroutines")
	}
	if w := h.workers.Load(); w < 1 || w > 2 {
		t.Fatalf("workers = %d, want 1..2", w)
	}
	close(release)
	pending.Wait()
	if got := ran.Load(); got != n {
		t.Fatalf("ran %d jobs, want %d", got, n)
	}

	waitFor(t, func() bool { return h.workers.Load() == 0 }) // idle workers leave
	done := make(chan struct{})
	h.submit(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a job submitted after the workers left never ran")
	}
	pending.Wait()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
