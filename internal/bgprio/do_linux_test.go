package bgprio

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDoRunsOnTheOneIdleThread(t *testing.T) {
	var tids [2]int
	var pols [2]uint32
	for i := range tids {
		var err error
		Do(func() {
			tids[i] = unix.Gettid()
			pols[i], err = policy()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if tids[0] != tids[1] || tids[0] != Thread() {
		t.Fatalf("Do ran on threads %v, Thread() is %d: want one thread", tids, Thread())
	}
	for i, p := range pols {
		if p != unix.SCHED_IDLE {
			t.Fatalf("call %d ran with policy %d, want SCHED_IDLE (%d)", i, p, unix.SCHED_IDLE)
		}
	}
	if caller := unix.Gettid(); caller == Thread() {
		t.Fatalf("the caller's thread %d is the idle thread", caller)
	}
}

func TestDoRunsOneFunctionAtATime(t *testing.T) {
	var running, most atomic.Int32
	ran := Ran()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				Do(func() {
					n := running.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					for range 1000 { // give another a chance to overlap
						_ = unix.Getpid()
					}
					running.Add(-1)
				})
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Fatalf("%d functions ran at once, want 1", m)
	}
	if got := Ran() - ran; got != 160 {
		t.Fatalf("Ran grew by %d, want 160", got)
	}
}

func TestDoPanicsInTheCaller(t *testing.T) {
	cause := errors.New("boom")
	func() {
		defer func() {
			var p *Panic
			v := recover()
			if err, ok := v.(error); !ok || !errors.As(err, &p) || p.Value != cause || len(p.Stack) == 0 {
				t.Fatalf("recovered %v, want a *Panic of %v with a stack", v, cause)
			}
		}()
		Do(func() { panic(cause) })
	}()
	done := false
	Do(func() { done = true }) // the thread lives on
	if !done {
		t.Fatal("Do did not run after a panic")
	}
}
